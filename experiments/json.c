/*
 * JSON string escaping for the commands that print JSON by hand. Only what
 * RFC 8259 requires is escaped: the quote, the backslash and the control
 * characters below 0x20.
 */
#include "experiments/json.h"

void exp_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}
