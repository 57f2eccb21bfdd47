/* String and memory helpers: libc's in hosted builds, lib/string.c in the image. */
#ifndef LIB_KSTRING_H
#define LIB_KSTRING_H

#include "include/hv/types.h"

#ifdef HV_HOSTED
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/* Portable extras used by both builds. */
int str_casecmp(const char *a, const char *b);
/* The same over at most `n` bytes (either string may end before). */
int str_ncasecmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Parses an unsigned decimal or 0x-hex number with an optional K/M/G suffix
 * (binary units). Returns false on junk, empty input or overflow. */
bool str_to_u64(const char *s, uint64_t *out);

#endif
