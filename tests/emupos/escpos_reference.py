"""Reference ESC/POS bytes from python-escpos (PyPI), for tests/emupos_oracle.rs: one JSON object, command -> hex.

Each command is encoded on its own python-escpos Dummy printer, so the bytes are exactly what python-escpos
sends for it. Argument: a JSON object of inputs (the barcode payload, the QR data and module size).
"""

import json
import sys

from escpos.printer import Dummy


def encode(call):
    printer = Dummy()
    call(printer)
    return printer.output.hex()


def main():
    inputs = json.loads(sys.argv[1])
    out = {
        "init": encode(lambda p: p.hw("INIT")),
        "cut_partial": encode(lambda p: p.cut(mode="PART", feed=False)),
        "cut_full": encode(lambda p: p.cut(mode="FULL", feed=False)),
        "drawer_pin2": encode(lambda p: p.cashdraw(2)),
        "drawer_pin5": encode(lambda p: p.cashdraw(5)),
        "bold_on": encode(lambda p: p._raw(__import__("escpos.constants").constants.TXT_STYLE["bold"][True])),
        "bold_off": encode(lambda p: p._raw(__import__("escpos.constants").constants.TXT_STYLE["bold"][False])),
        "align_center": encode(lambda p: p._raw(__import__("escpos.constants").constants.TXT_STYLE["align"]["center"])),
        "align_left": encode(lambda p: p._raw(__import__("escpos.constants").constants.TXT_STYLE["align"]["left"])),
        "code128": encode(
            lambda p: p.barcode(inputs["code128"], "CODE128", height=80, width=2, pos="BELOW", function_type="B", check=False)
        ),
        "qr": encode(lambda p: p.qr(inputs["qr"], ec=__import__("escpos.constants").constants.QR_ECLEVEL_M, size=inputs["qr_size"], native=True)),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
