"""A serial line between CityTill and emupos's pty that raises an emupos fault part-way through a job.

For tests/emupos_oracle.rs: makes a new pty, writes its path to OUT, relays bytes both ways between it and
emupos's pty, and once TRIGGER bytes have come from CityTill raises FAULT through emupos's control API (after
giving emupos the bytes before it), like paper running out in the middle of a receipt sent over a serial cable.
Usage: pty_relay.py EMUPOS_PTY API_PORT TRIGGER FAULT OUT
"""

import os
import select
import sys
import time
import tty
import urllib.request


def raise_fault(api_port, fault):
    url = f"http://127.0.0.1:{api_port}/api/v1/devices/front/faults/{fault}"
    urllib.request.urlopen(urllib.request.Request(url, method="PUT"), timeout=5).read()


def main():
    emupos_pty, api_port, trigger, fault, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    master, slave = os.openpty()  # the slave stays open here too, so reading the master never fails with EIO
    tty.setraw(slave)
    device = os.open(emupos_pty, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(device)
    with open(out + ".tmp", "w") as file:
        file.write(os.ttyname(slave))
    os.replace(out + ".tmp", out)
    seen, fired = 0, False
    while True:
        ready, _, _ = select.select([master, device], [], [], 1.0)
        if master in ready:
            data = os.read(master, 4096)
            if not fired and seen + len(data) > trigger:
                split = trigger - seen
                os.write(device, data[:split])
                time.sleep(0.1)  # emupos reads its pty on the same event loop as the API: the head first
                raise_fault(api_port, fault)
                fired = True
                os.write(device, data[split:])
            else:
                os.write(device, data)
            seen += len(data)
        if device in ready:
            os.write(master, os.read(device, 4096))


if __name__ == "__main__":
    main()
