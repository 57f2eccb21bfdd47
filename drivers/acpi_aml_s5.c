/*
 * Finding \_S5 without an AML interpreter. Firmware declares it as a named
 * package of integers (ACPI spec 7.4.2.5, encodings from chapter 20):
 *
 *   NameOp 0x08, [RootChar '\'], NameSeg "_S5_", PackageOp 0x12,
 *   PkgLength, NumElements, elements...
 *
 * A byte scan for that pattern is what every small kernel does; the part
 * that matters is never reading past the buffer or the package, whatever the
 * bytes say. Anything unexpected rejects that match and the scan goes on.
 */
#include "drivers/acpi_tables.h"

#define AML_NAME_OP     0x08
#define AML_PACKAGE_OP  0x12
#define AML_ZERO_OP     0x00
#define AML_ONE_OP      0x01
#define AML_ONES_OP     0xff
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e

/* PkgLength: bits 7:6 of the lead byte count the bytes that follow (0-3).
 * With none, bits 5:0 are the length; otherwise bits 3:0 are its low nibble
 * and each following byte adds 8 more bits. The length counts itself. */
static bool pkg_length(const uint8_t *p, size_t avail, size_t *len, size_t *used)
{
    if (avail < 1)
        return false;
    unsigned extra = p[0] >> 6;
    if (avail < 1 + (size_t)extra)
        return false;
    if (extra == 0) {
        *len = p[0] & 0x3f;
    } else {
        size_t v = p[0] & 0x0f;
        for (unsigned i = 0; i < extra; i++)
            v |= (size_t)p[1 + i] << (4 + 8 * i);
        *len = v;
    }
    *used = 1 + extra;
    return true;
}

/* One integer element at p[0..avail). */
static bool aml_integer(const uint8_t *p, size_t avail, uint64_t *v, size_t *used)
{
    if (avail < 1)
        return false;
    size_t n;
    switch (p[0]) {
    case AML_ZERO_OP: *v = 0; *used = 1; return true;
    case AML_ONE_OP: *v = 1; *used = 1; return true;
    case AML_ONES_OP: *v = ~0ULL; *used = 1; return true;
    case AML_BYTE_PREFIX: n = 1; break;
    case AML_WORD_PREFIX: n = 2; break;
    case AML_DWORD_PREFIX: n = 4; break;
    case AML_QWORD_PREFIX: n = 8; break;
    default: return false; /* a name, a method call...: not a constant */
    }
    if (avail < 1 + n)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[1 + i] << (8 * i);
    *v = x;
    *used = 1 + n;
    return true;
}

/* Parses the package that should follow the name at aml[pos]. */
static bool parse_s5_package(const uint8_t *aml, size_t len, size_t pos, uint8_t *typa,
                             uint8_t *typb)
{
    if (pos >= len || aml[pos] != AML_PACKAGE_OP)
        return false;
    size_t start = pos + 1, plen, used;
    if (!pkg_length(aml + start, len - start, &plen, &used))
        return false;
    /* The package must at least hold its PkgLength and NumElements; a
     * length running past the buffer is cut to the buffer. */
    if (plen < used + 1)
        return false;
    size_t end = plen > len - start ? len : start + plen;
    size_t p = start + used;
    if (p >= end)
        return false;
    unsigned count = aml[p++];
    if (count == 0)
        return false;

    uint64_t v[2];
    unsigned got = 0;
    while (got < 2 && got < count) {
        size_t n;
        if (!aml_integer(aml + p, end - p, &v[got], &n))
            break;
        p += n;
        got++;
    }
    if (count == 1 && got == 1) {
        /* Some firmware packs both values into the one element: SLP_TYPa
         * in bits 7:0 and SLP_TYPb in bits 15:8. */
        *typa = (uint8_t)v[0];
        *typb = (uint8_t)(v[0] >> 8);
        return true;
    }
    if (got < 2)
        return false;
    *typa = (uint8_t)v[0];
    *typb = (uint8_t)v[1];
    return true;
}

bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb)
{
    if (!aml)
        return false;
    for (size_t i = 1; i + 4 <= len; i++) {
        if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 2] != '5' || aml[i + 3] != '_')
            continue;
        bool named = aml[i - 1] == AML_NAME_OP ||
                     (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == AML_NAME_OP);
        if (named && parse_s5_package(aml, len, i + 4, typa, typb))
            return true;
    }
    return false;
}
