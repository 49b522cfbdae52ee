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
  GString    *keys;          /* decoded names of the members of the open objects, NUL-terminated */
  GArray     *key_offsets;   /* gsize: where each name starts in @keys */
  GArray     *wide_ints;     /* gsize: offsets just past integer literals beyond gint64 */
  GError    **error;
} StrictScanner;

static gboolean scan_value  (StrictScanner *s,
                             guint          depth);


/* Strict parse check --------------------------------------------------- */

/* JsonParser 1.6 accepts more than RFC 8259 and loses some of what it
 * accepts: it wraps integers beyond gint64 silently (123456789012345680000
 * becomes -1), cuts strings at \u0000, keeps the last of duplicate member
 * names, ignores a second value after the first ("[1] [2]"), and takes
 * 01, .5, 1., 0x10, raw control characters in strings and other
 * whitespace.  This pass holds the text to RFC 8259 and I-JSON (RFC 7493,
 * which RFC 8785 requires) before JsonParser builds the tree, and notes
 * where the out-of-range integers end so they can be read as doubles. */

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

/* Checks the string at s->p; appends its decoded bytes to @decoded if not
 * NULL. */
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

      if (decoded != NULL)
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

      if (decoded != NULL)
        g_string_append_unichar (decoded, c);
      run = s->p;
    }

  if (decoded != NULL)
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
scan_number (StrictScanner *s)
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

  /* JsonParser would wrap these; they are plain doubles to JavaScript. */
  if (integer &&
      (n_digits > 19 ||
       (n_digits == 19 &&
        memcmp (digits, negative ? "9223372036854775808" : "9223372036854775807", 19) > 0)))
    {
      gsize offset = s->p - s->start;

      g_array_append_val (s->wide_ints, offset);
    }
  return TRUE;
}

static gboolean
scan_literal (StrictScanner *s,
              const char    *literal)
{
  gsize len = strlen (literal);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, literal, len) != 0)
    return scanner_unexpected (s, _("a value"));
  s->p += len;
  return TRUE;
}

static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* I-JSON: member names must be unique.  Checks the names recorded from
 * @first on. */
static gboolean
check_duplicate_names (StrictScanner *s,
                       const char    *object_start,
                       guint          first)
{
  guint n = s->key_offsets->len - first;
  const gsize *offsets = &g_array_index (s->key_offsets, gsize, first);
  const char *duplicate = NULL;

  if (n < 2)
    return TRUE;

  if (n <= 8)
    {
      for (guint i = 1; i < n && duplicate == NULL; i++)
        for (guint j = 0; j < i; j++)
          if (strcmp (s->keys->str + offsets[i], s->keys->str + offsets[j]) == 0)
            {
              duplicate = s->keys->str + offsets[i];
              break;
            }
    }
  else
    {
      g_autofree const char **names = g_new (const char *, n);

      for (guint i = 0; i < n; i++)
        names[i] = s->keys->str + offsets[i];
      qsort (names, n, sizeof *names, compare_names);
      for (guint i = 1; i < n; i++)
        if (strcmp (names[i - 1], names[i]) == 0)
          {
            duplicate = names[i];
            break;
          }
    }

  if (duplicate != NULL)
    return scanner_fail (s, object_start, _("the object has two members named “%s”"), duplicate);
  return TRUE;
}

static gboolean
scan_object (StrictScanner *s,
             guint          depth)
{
  const char *open = s->p++;
  guint first = s->key_offsets->len;
  gsize keys_len = s->keys->len;

  skip_whitespace (s);
  if (s->p < s->end && *s->p == '}')
    {
      s->p++;
      return TRUE;
    }

  for (;;)
    {
      gsize offset = s->keys->len;

      skip_whitespace (s);
      if (s->p == s->end || *s->p != '"')
        return scanner_unexpected (s, _("a member name"));
      if (!scan_string (s, s->keys))
        return FALSE;
      g_string_append_c (s->keys, '\0');
      g_array_append_val (s->key_offsets, offset);

      skip_whitespace (s);
      if (s->p == s->end || *s->p != ':')
        return scanner_unexpected (s, _("“:”"));
      s->p++;
      if (!scan_value (s, depth + 1))
        return FALSE;

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

  if (!check_duplicate_names (s, open, first))
    return FALSE;
  g_array_set_size (s->key_offsets, first);
  g_string_truncate (s->keys, keys_len);
  return TRUE;
}

static gboolean
scan_array (StrictScanner *s,
            guint          depth)
{
  s->p++;
  skip_whitespace (s);
  if (s->p < s->end && *s->p == ']')
    {
      s->p++;
      return TRUE;
    }

  for (;;)
    {
      if (!scan_value (s, depth + 1))
        return FALSE;
      skip_whitespace (s);
      if (s->p < s->end && *s->p == ',')
        {
          s->p++;
          continue;
        }
      if (s->p < s->end && *s->p == ']')
        {
          s->p++;
          return TRUE;
        }
      return scanner_unexpected (s, _("“,” or “]”"));
    }
}

static gboolean
scan_value (StrictScanner *s,
            guint          depth)
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
      return *s->p == '{' ? scan_object (s, depth) : scan_array (s, depth);

    case '"':
      return scan_string (s, NULL);

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return scan_number (s);

    case 't':
      return scan_literal (s, "true");

    case 'f':
      return scan_literal (s, "false");

    case 'n':
      return scan_literal (s, "null");

    default:
      return scanner_unexpected (s, _("a value"));
    }
}

static gboolean
check_strict_json (const char  *text,
                   gsize        length,
                   GArray      *wide_ints,
                   GError     **error)
{
  g_autoptr(GString) keys = g_string_new (NULL);
  g_autoptr(GArray) key_offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
  StrictScanner s = {
    .start = text,
    .p = text,
    .end = text + length,
    .keys = keys,
    .key_offsets = key_offsets,
    .wide_ints = wide_ints,
    .error = error,
  };
  const char *bad;

  if (!g_utf8_validate (text, length, &bad))
    return scanner_fail (&s, bad, _("the text is not valid UTF-8"));

  if (!scan_value (&s, 0))
    return FALSE;
  skip_whitespace (&s);
  if (s.p != s.end)
    return scanner_unexpected (&s, _("the end of the text"));
  return TRUE;
}

JsonNode *
tn_json_parse_strict (const char  *text,
                      gssize       length,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GArray) wide_ints = NULL;
  g_autoptr(GString) widened = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (text);

  wide_ints = g_array_new (FALSE, FALSE, sizeof (gsize));
  if (!check_strict_json (text, length, wide_ints, error))
    return NULL;

  /* Give JsonParser the integers beyond gint64 as "…e0", which it reads
   * as the nearest double, as JavaScript would. */
  if (wide_ints->len > 0)
    {
      gsize copied = 0;

      widened = g_string_sized_new (length + 2 * wide_ints->len);
      for (guint i = 0; i < wide_ints->len; i++)
        {
          gsize end = g_array_index (wide_ints, gsize, i);

          g_string_append_len (widened, text + copied, end - copied);
          g_string_append (widened, "e0");
          copied = end;
        }
      g_string_append_len (widened, text + copied, length - copied);
      text = widened->str;
      length = widened->len;
    }

  /* A mutable parser: the tree is ours and short-lived. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("Invalid JSON: %s"), local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID, _("Invalid JSON: the text is empty"));
      return NULL;
    }

  return json_node_ref (root);
}
