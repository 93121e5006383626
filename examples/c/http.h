/*
 * HTTP header-value helpers shared by the example server and load generator: both check a
 * handshake's `Connection: ... Upgrade ...` list the same way (RFC 9110 §5.6.1 lists, tokens
 * compared case-insensitively).
 */
#ifndef WSACCEPT_EXAMPLE_HTTP_H
#define WSACCEPT_EXAMPLE_HTTP_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Optional white space around list elements: SP and HTAB. */
static inline int is_ows(char ch) { return ch == ' ' || ch == '\t'; }

/* Does the comma-separated list value[0..len) hold `token` (case-insensitive)? */
static inline int list_has_token(const char *value, size_t len, const char *token)
{
    size_t tlen = strlen(token);
    size_t i = 0;
    while (i < len) {
        while (i < len && (is_ows(value[i]) || value[i] == ','))
            i++;
        size_t start = i;
        while (i < len && value[i] != ',')
            i++;
        size_t end = i;
        while (end > start && is_ows(value[end - 1]))
            end--;
        if (end - start == tlen && strncasecmp(value + start, token, tlen) == 0)
            return 1;
    }
    return 0;
}

#endif
