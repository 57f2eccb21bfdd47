/* printf-style formatting without libc: %d %i %u %x %X %o %c %s %p %%, the
 * flags '-' and '0', a width (or '*'), a precision for %s, and the length
 * modifiers hh h l ll z. Output is always terminated when size > 0. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include "include/hv/types.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
