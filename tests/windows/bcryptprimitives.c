/* Test-only shim for wine 8, which lacks bcryptprimitives.dll's ProcessPrng (Rust's std imports it):
   forwards to advapi32's SystemFunction036 (RtlGenRandom). Built by .ci/run with mingw and placed beside
   citytill.exe for tests/windows_wine.rs only; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
