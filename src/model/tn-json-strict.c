/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-json-strict.h"

#include <string.h>

#include "tn-error.h"

#include <glib/gi18n.h>

/* Deeper documents are refused rather than risking the stack. */
#define MAX_DEPTH 512

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  GString    *scratch;       /* decoded text of the string being read */
  GError    **error;
} StrictScanner;

static gboolean scan_value (StrictScanner  *s,
                            guint           depth,
                            JsonNode      **out);


/* Strict parser ---------------------------------------------------------- */

/* JsonParser 1.6 accepts more than RFC 8259 and loses some of what it
 * accepts: it wraps integers beyond gint64 silently (123456789012345680000
 * becomes -1), cuts strings at \u0000, keeps the last of duplicate member
 * names, ignores a second value after the first ("[1] [2]"), and takes
 * 01, .5, 1., 0x10, raw control characters in strings and other
 * whitespace.  This parser holds the text to RFC 8259 and I-JSON (RFC
 * 7493, which RFC 8785 requires) and builds the tree itself: integers
 * beyond gint64 become the nearest double, as JavaScript reads them.
 * (It used to check the text and hand it to JsonParser, whose GScanner
 * was most of the cost of taking in a peer's batch.) */

static gboolean G_GNUC_PRINTF (3, 4)
scanner_fail (StrictScanner *s,
              const char    *at,
              const char    *format,
              ...)
{
  g_autofree char *what = NULL;
  guint line = 1;
  guint column = 1;
  va_list args;

  for (const char *q = s->start; q < at; q++)
    {
      if (*q == '\n')
        {
          line++;
          column = 1;
        }
      else if (((guchar) *q & 0xc0) != 0x80)
        {
          column++;
        }
    }

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (s->error, TN_ERROR, TN_ERROR_INVALID,
               _("Invalid JSON at line %u, column %u: %s"), line, column, what);
  return FALSE;
}

static gboolean
scanner_unexpected (StrictScanner *s,
                    const char    *expected)
{
  if (s->p == s->end)
    return scanner_fail (s, s->p, _("the text ends where %s was expected"), expected);
  if ((guchar) *s->p >= 0x20 && (guchar) *s->p < 0x7f)
    return scanner_fail (s, s->p, _("found “%c” where %s was expected"), *s->p, expected);

  return scanner_fail (s, s->p, _("found U+%04X where %s was expected"),
                       g_utf8_get_char (s->p), expected);
}

static void
skip_whitespace (StrictScanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
    s->p++;
}

static gboolean
read_hex4 (StrictScanner *s,
           const char    *at,
           gunichar      *value)
{
  *value = 0;
  if (s->end - at < 4)
    return scanner_fail (s, at, _("a \\u escape needs four hexadecimal digits"));
  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (at[i]);

      if (digit < 0)
        return scanner_fail (s, at, _("a \\u escape needs four hexadecimal digits"));
      *value = (*value << 4) | (gunichar) digit;
    }
  return TRUE;
}

/* Checks the string at s->p and appends its decoded bytes to @decoded. */
static gboolean
scan_string (StrictScanner *s,
             GString       *decoded)
{
  const char *open = s->p++;
  const char *run = s->p;

  for (;;)
    {
      const char *escape;
      gunichar c;

      if (s->p == s->end)
        return scanner_fail (s, open, _("the string is not terminated"));

      c = (guchar) *s->p;
      if (c == '"')
        break;
      if (c < 0x20)
        return scanner_fail (s, s->p, _("control character U+%04X must be escaped in a string"), c);
      if (c != '\\')
        {
          s->p++;
          continue;
        }

      g_string_append_len (decoded, run, s->p - run);
      escape = s->p++;
      if (s->p == s->end)
        return scanner_fail (s, open, _("the string is not terminated"));

      switch (*s->p++)
        {
        case '"':  c = '"'; break;
        case '\\': c = '\\'; break;
        case '/':  c = '/'; break;
        case 'b':  c = '\b'; break;
        case 'f':  c = '\f'; break;
        case 'n':  c = '\n'; break;
        case 'r':  c = '\r'; break;
        case 't':  c = '\t'; break;
        case 'u':
          if (!read_hex4 (s, s->p, &c))
            return FALSE;
          s->p += 4;
          if (c == 0)
            return scanner_fail (s, escape, _("U+0000 (\\u0000) is not supported in strings"));
          if (c >= 0xdc00 && c <= 0xdfff)
            return scanner_fail (s, escape, _("\\u%04x is a low surrogate without a high one"), c);
          if (c >= 0xd800 && c <= 0xdbff)
            {
              gunichar low;

              if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
                return scanner_fail (s, escape, _("\\u%04x is a high surrogate without a low one"), c);
              if (!read_hex4 (s, s->p + 2, &low))
                return FALSE;
              if (low < 0xdc00 || low > 0xdfff)
                return scanner_fail (s, escape, _("\\u%04x is a high surrogate without a low one"), c);
              s->p += 6;
              c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
            }
          break;
        default:
          return scanner_fail (s, escape, _("“\\%c” is not a JSON escape"), s->p[-1]);
        }

      g_string_append_unichar (decoded, c);
      run = s->p;
    }

  g_string_append_len (decoded, run, s->p - run);
  s->p++;
  return TRUE;
}

static gboolean
scan_digits (StrictScanner *s,
             const char    *expected)
{
  if (s->p == s->end || !g_ascii_isdigit (*s->p))
    return scanner_unexpected (s, expected);
  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return TRUE;
}

static gboolean
scan_number (StrictScanner  *s,
             JsonNode      **out)
{
  const char *begin = s->p;
  const char *digits;
  gboolean negative = FALSE;
  gboolean integer = TRUE;
  gsize n_digits;

  if (*s->p == '-')
    {
      negative = TRUE;
      s->p++;
    }
  digits = s->p;
  if (s->p < s->end && *s->p == '0')
    {
      s->p++;
      if (s->p < s->end && g_ascii_isdigit (*s->p))
        return scanner_fail (s, begin, _("a number cannot start with 0 followed by digits"));
    }
  else if (!scan_digits (s, "a digit"))
    {
      return FALSE;
    }
  n_digits = s->p - digits;

  if (s->p < s->end && *s->p == '.')
    {
      integer = FALSE;
      s->p++;
      if (!scan_digits (s, "a digit after the decimal point"))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      integer = FALSE;
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s, "a digit in the exponent"))
        return FALSE;
    }

  /* The text need not be NUL-terminated where the number ends. */
  g_string_truncate (s->scratch, 0);
  g_string_append_len (s->scratch, begin, s->p - begin);
  *out = json_node_alloc ();
  /* Integers beyond gint64 are plain doubles to JavaScript. */
  if (integer &&
      (n_digits < 19 ||
       (n_digits == 19 &&
        memcmp (digits, negative ? "9223372036854775808" : "9223372036854775807", 19) <= 0)))
    json_node_init_int (*out, g_ascii_strtoll (s->scratch->str, NULL, 10));
  else
    json_node_init_double (*out, g_ascii_strtod (s->scratch->str, NULL));
  return TRUE;
}

static gboolean
scan_literal (StrictScanner  *s,
              const char     *literal,
              JsonNode      **out)
{
  gsize len = strlen (literal);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, literal, len) != 0)
    return scanner_unexpected (s, _("a value"));
  s->p += len;
  *out = json_node_alloc ();
  if (*literal == 'n')
    json_node_init_null (*out);
  else
    json_node_init_boolean (*out, *literal == 't');
  return TRUE;
}

static gboolean
scan_object (StrictScanner  *s,
             guint           depth,
             JsonNode      **out)
{
  const char *open = s->p++;
  g_autoptr(JsonObject) object = json_object_new ();

  skip_whitespace (s);
  if (s->p < s->end && *s->p == '}')
    s->p++;
  else
    for (;;)
      {
        g_autofree char *name = NULL;
        JsonNode *member = NULL;

        skip_whitespace (s);
        if (s->p == s->end || *s->p != '"')
          return scanner_unexpected (s, _("a member name"));
        g_string_truncate (s->scratch, 0);
        if (!scan_string (s, s->scratch))
          return FALSE;
        /* I-JSON: member names are unique. */
        if (json_object_has_member (object, s->scratch->str))
          return scanner_fail (s, open, _("the object has two members named “%s”"),
                               s->scratch->str);
        name = g_strndup (s->scratch->str, s->scratch->len);

        skip_whitespace (s);
        if (s->p == s->end || *s->p != ':')
          return scanner_unexpected (s, _("“:”"));
        s->p++;
        if (!scan_value (s, depth + 1, &member))
          return FALSE;
        json_object_set_member (object, name, member);

        skip_whitespace (s);
        if (s->p < s->end && *s->p == ',')
          {
            s->p++;
            continue;
          }
        if (s->p < s->end && *s->p == '}')
          {
            s->p++;
            break;
          }
        return scanner_unexpected (s, _("“,” or “}”"));
      }

  *out = json_node_init_object (json_node_alloc (), object);
  return TRUE;
}

static gboolean
scan_array (StrictScanner  *s,
            guint           depth,
            JsonNode      **out)
{
  g_autoptr(JsonArray) array = json_array_new ();

  s->p++;
  skip_whitespace (s);
  if (s->p < s->end && *s->p == ']')
    s->p++;
  else
    for (;;)
      {
        JsonNode *element = NULL;

        if (!scan_value (s, depth + 1, &element))
          return FALSE;
        json_array_add_element (array, element);
        skip_whitespace (s);
        if (s->p < s->end && *s->p == ',')
          {
            s->p++;
            continue;
          }
        if (s->p < s->end && *s->p == ']')
          {
            s->p++;
            break;
          }
        return scanner_unexpected (s, _("“,” or “]”"));
      }

  *out = json_node_init_array (json_node_alloc (), array);
  return TRUE;
}

/* On success, *out holds the value read. */
static gboolean
scan_value (StrictScanner  *s,
            guint           depth,
            JsonNode      **out)
{
  skip_whitespace (s);
  if (s->p == s->end)
    return scanner_unexpected (s, _("a value"));

  switch (*s->p)
    {
    case '{':
    case '[':
      if (depth >= MAX_DEPTH)
        return scanner_fail (s, s->p, _("nested more than %d levels deep"), MAX_DEPTH);
      return *s->p == '{' ? scan_object (s, depth, out) : scan_array (s, depth, out);

    case '"':
      g_string_truncate (s->scratch, 0);
      if (!scan_string (s, s->scratch))
        return FALSE;
      *out = json_node_init_string (json_node_alloc (), s->scratch->str);
      return TRUE;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return scan_number (s, out);

    case 't':
      return scan_literal (s, "true", out);

    case 'f':
      return scan_literal (s, "false", out);

    case 'n':
      return scan_literal (s, "null", out);

    default:
      return scanner_unexpected (s, _("a value"));
    }
}

JsonNode *
tn_json_parse_strict (const char  *text,
                      gssize       length,
                      GError     **error)
{
  g_autoptr(GString) scratch = NULL;
  g_autoptr(JsonNode) root = NULL;
  StrictScanner s = { 0 };
  const char *bad;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (text);

  scratch = g_string_sized_new (64);
  s.start = s.p = text;
  s.end = text + length;
  s.scratch = scratch;
  s.error = error;

  if (!g_utf8_validate (text, length, &bad))
    {
      scanner_fail (&s, bad, _("the text is not valid UTF-8"));
      return NULL;
    }
  if (!scan_value (&s, 0, &root))
    return NULL;
  skip_whitespace (&s);
  if (s.p != s.end)
    {
      scanner_unexpected (&s, _("the end of the text"));
      return NULL;
    }
  return g_steal_pointer (&root);
}
