/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-canonical-json.h"

#include <math.h>
#include <string.h>

#include "tn-error.h"
#include "tn-json-doc.h"

/* Deeper documents are refused rather than risking the stack: both our
 * recursion and JsonParser's grow with the nesting. */
#define MAX_DEPTH 512

/* Objects with at most this many members are sorted in a stack buffer. */
#define STACK_MEMBERS 32

typedef struct
{
  const char        *name;
  const TnJsonValue *value;
} Member;

/* A decimal approximation of a positive double: @digits holds @n_digits
 * ASCII digits d₁d₂… (d₁ non-zero, NUL-terminated) and the value is
 * d₁.d₂… × 10^exponent. */
typedef struct
{
  char digits[24];
  int  n_digits;
  int  exponent;
} Decimal;


static gboolean append_value (const TnJsonValue  *value,
                              GString            *out,
                              guint               depth,
                              GError            **error);

static const char * const exponential_formats[17] = {
  "%.0e", "%.1e", "%.2e", "%.3e", "%.4e", "%.5e", "%.6e", "%.7e", "%.8e",
  "%.9e", "%.10e", "%.11e", "%.12e", "%.13e", "%.14e", "%.15e", "%.16e",
};

/* Number formatting ---------------------------------------------------- */

static void
append_int64 (GString *out,
              gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 magnitude = value < 0 ? - (guint64) value : (guint64) value;

  do
    {
      *--p = '0' + magnitude % 10;
      magnitude /= 10;
    }
  while (magnitude != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, buf + sizeof buf - p);
}

/* Rounds @value (finite, > 0) to @precision significant digits, correctly
 * (glibc's printf is exact), and returns whether the result reads back as
 * @value.  Locale-independent: g_ascii_formatd and g_ascii_strtod. */
static gboolean
decimal_round (double   value,
               int      precision,
               Decimal *dec)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  const char *p;

  g_ascii_formatd (buf, sizeof buf, exponential_formats[precision - 1], value);
  dec->n_digits = 0;
  for (p = buf; *p != 'e'; p++)
    if (g_ascii_isdigit (*p))
      dec->digits[dec->n_digits++] = *p;
  dec->digits[dec->n_digits] = '\0';
  dec->exponent = (int) g_ascii_strtoll (p + 1, NULL, 10);

  return g_ascii_strtod (buf, NULL) == value;
}

/* Replaces @dec by the next decimal of the same length above it and returns
 * whether that reads back as @value. */
static gboolean
decimal_step_up (Decimal *dec,
                 double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  int i = dec->n_digits - 1;

  while (i >= 0 && dec->digits[i] == '9')
    dec->digits[i--] = '0';
  if (i >= 0)
    {
      dec->digits[i]++;
    }
  else
    {
      dec->digits[0] = '1';
      dec->exponent++;
    }

  /* "ddddde-x" has no decimal point, so the locale cannot matter. */
  g_snprintf (buf, sizeof buf, "%se%d", dec->digits, dec->exponent - (dec->n_digits - 1));
  return g_ascii_strtod (buf, NULL) == value;
}

static gboolean
is_power_of_two (double value)
{
  guint64 bits;

  memcpy (&bits, &value, sizeof bits);
  return (bits & G_GUINT64_CONSTANT (0xfffffffffffff)) == 0;
}

/* The shortest decimal that reads back as @value (finite, > 0) and, among
 * those, the closest to it, as ECMA-262 Number::toString asks. */
static void
shortest_decimal (double   value,
                  Decimal *dec)
{
  /* Subnormals have fewer significant bits: try every length.  Their gaps
   * are all the same size, so the rounding is the closest that reads
   * back whenever any decimal of that length does. */
  if (value < G_MINDOUBLE)
    {
      for (int precision = 1; precision < 17; precision++)
        if (decimal_round (value, precision, dec))
          goto strip;
      decimal_round (value, 17, dec);
      goto strip;
    }

  /* Any decimal of at most 15 significant digits that reads back as a
   * normal double lies within half its gap (≤ 2⁻⁵³ relative), closer than
   * half the spacing of 15-digit decimals (≥ 5·10⁻¹⁶ relative); so it is
   * the 15-digit rounding with its trailing zeros dropped.  One round trip
   * settles every length up to 15. */
  if (decimal_round (value, 15, dec))
    goto strip;

  /* At 16 digits the rounding can miss while another decimal of the same
   * length reads back: a power of two has a gap below it half as wide as
   * the one above, so the rounding may fall just below the interval while
   * the next 16-digit decimal up is inside it (2⁻⁴⁴ is
   * 5.684341886080802e-14, not 5.6843418860808015e-14). */
  if (decimal_round (value, 16, dec))
    goto strip;
  if (is_power_of_two (value))
    {
      Decimal up = *dec;

      if (decimal_step_up (&up, value))
        {
          *dec = up;
          goto strip;
        }
    }

  /* 17 digits always read back. */
  decimal_round (value, 17, dec);

strip:
  while (dec->n_digits > 1 && dec->digits[dec->n_digits - 1] == '0')
    dec->n_digits--;
  dec->digits[dec->n_digits] = '\0';
}

/* Lays out k digits d₁…d_k of value 0.d₁…d_k × 10ⁿ as ECMA-262 6.1.6.1.20
 * Number::toString (steps 6–12) does. */
static void
append_decimal (GString       *out,
                const Decimal *dec)
{
  int k = dec->n_digits;
  int n = dec->exponent + 1;

  if (k <= n && n <= 21)
    {
      g_string_append_len (out, dec->digits, k);
      for (int i = k; i < n; i++)
        g_string_append_c (out, '0');
    }
  else if (0 < n && n <= 21)
    {
      g_string_append_len (out, dec->digits, n);
      g_string_append_c (out, '.');
      g_string_append_len (out, dec->digits + n, k - n);
    }
  else if (-6 < n && n <= 0)
    {
      g_string_append (out, "0.");
      for (int i = n; i < 0; i++)
        g_string_append_c (out, '0');
      g_string_append_len (out, dec->digits, k);
    }
  else
    {
      int e = n - 1;

      g_string_append_c (out, dec->digits[0]);
      if (k > 1)
        {
          g_string_append_c (out, '.');
          g_string_append_len (out, dec->digits + 1, k - 1);
        }
      g_string_append_c (out, 'e');
      g_string_append_c (out, e < 0 ? '-' : '+');
      append_int64 (out, ABS (e));
    }
}

/* Strings -------------------------------------------------------------- */

/* The length of the UTF-8 sequence at @p (lead byte ≥ 0x80) if it is
 * valid by RFC 3629 (shortest form, no surrogates, nothing past
 * U+10FFFF), else 0.  Stops reading at a NUL. */
static inline int
utf8_sequence_length (const guchar *p)
{
  guchar c = p[0];

  if (c >= 0xc2 && c <= 0xdf)
    return (p[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef)
    {
      guchar low = c == 0xe0 ? 0xa0 : 0x80;
      guchar high = c == 0xed ? 0x9f : 0xbf;

      return p[1] >= low && p[1] <= high && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
  if (c >= 0xf0 && c <= 0xf4)
    {
      guchar low = c == 0xf0 ? 0x90 : 0x80;
      guchar high = c == 0xf4 ? 0x8f : 0xbf;

      return p[1] >= low && p[1] <= high &&
             (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
  return 0;
}

/* Appends @str quoted, escaping only what RFC 8785 §3.2.2.2 requires: the
 * quote, the backslash and the C0 controls.  Checks the UTF-8 on the way
 * (@what names the string in the error). */
static gboolean
append_string (GString     *out,
               const char  *str,
               const char  *what,
               GError     **error)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *run = (const guchar *) str;
  const guchar *p = run;

  g_string_append_c (out, '"');
  while (*p != '\0')
    {
      guchar c = *p;

      if (G_LIKELY (c >= 0x20 && c < 0x80 && c != '"' && c != '\\'))
        {
          p++;
          continue;
        }
      if (c >= 0x80)
        {
          int len = utf8_sequence_length (p);

          if (G_UNLIKELY (len == 0))
            {
              g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                           "A JSON %s is not valid UTF-8", what);
              return FALSE;
            }
          p += len;
          continue;
        }

      g_string_append_len (out, (const char *) run, p - run);
      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\r': g_string_append (out, "\\r"); break;
        default:
          {
            char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

            g_string_append_len (out, esc, sizeof esc);
          }
          break;
        }
      run = ++p;
    }
  g_string_append_len (out, (const char *) run, p - run);
  g_string_append_c (out, '"');
  return TRUE;
}

static int
compare_members (const void *a,
                 const void *b)
{
  return tn_json_compare_names (((const Member *) a)->name, ((const Member *) b)->name);
}

/* Members usually arrive sorted (a canonical record read back); then one
 * pass confirms it.  Objects that fit the stack buffer are
 * insertion-sorted, larger ones go to qsort. */
static void
sort_members (Member *members,
              guint   n)
{
  guint i = 1;

  while (i < n && tn_json_compare_names (members[i - 1].name, members[i].name) < 0)
    i++;
  if (i >= n)
    return;

  if (n > STACK_MEMBERS)
    {
      qsort (members, n, sizeof *members, compare_members);
      return;
    }

  for (; i < n; i++)
    {
      Member m = members[i];
      guint j = i;

      while (j > 0 && tn_json_compare_names (members[j - 1].name, m.name) > 0)
        {
          members[j] = members[j - 1];
          j--;
        }
      members[j] = m;
    }
}

/* Values --------------------------------------------------------------- */

static gboolean
append_object (const TnJsonValue  *object,
               GString            *out,
               guint               depth,
               GError            **error)
{
  Member stack_members[STACK_MEMBERS];
  g_autofree Member *heap_members = NULL;
  Member *members = stack_members;
  guint n = object->length;
  guint i = 0;

  if (n > STACK_MEMBERS)
    members = heap_members = g_new (Member, n);

  /* In document order, which is often already the canonical order. */
  tn_json_value_foreach (member, object)
    {
      members[i].name = member->name;
      members[i].value = member;
      i++;
    }
  g_assert (i == n);

  sort_members (members, n);

  g_string_append_c (out, '{');
  for (i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      if (!append_string (out, members[i].name, "member name", error))
        return FALSE;
      g_string_append_c (out, ':');
      if (!append_value (members[i].value, out, depth + 1, error))
        return FALSE;
    }
  g_string_append_c (out, '}');
  return TRUE;
}

static gboolean
append_array (const TnJsonValue  *array,
              GString            *out,
              guint               depth,
              GError            **error)
{
  gboolean first = TRUE;

  g_string_append_c (out, '[');
  tn_json_value_foreach (element, array)
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      if (!append_value (element, out, depth + 1, error))
        return FALSE;
    }
  g_string_append_c (out, ']');
  return TRUE;
}

static gboolean
append_value (const TnJsonValue  *value,
              GString            *out,
              guint               depth,
              GError            **error)
{
  switch (value->kind)
    {
    case TN_JSON_OBJECT:
    case TN_JSON_ARRAY:
      if (depth >= MAX_DEPTH)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       "The JSON is nested more than %d levels deep", MAX_DEPTH);
          return FALSE;
        }
      return value->kind == TN_JSON_OBJECT ? append_object (value, out, depth, error)
                                           : append_array (value, out, depth, error);

    case TN_JSON_INT:
      /* A JavaScript reader sees the nearest double; up to 2⁵³ that is
       * the integer itself, written out in full. */
      if (value->integer >= -(G_GINT64_CONSTANT (1) << 53) &&
          value->integer <= (G_GINT64_CONSTANT (1) << 53))
        {
          append_int64 (out, value->integer);
          return TRUE;
        }
      return tn_canonical_json_format_number ((double) value->integer, out, error);

    case TN_JSON_DOUBLE:
      return tn_canonical_json_format_number (value->number, out, error);

    case TN_JSON_STRING:
      return append_string (out, value->string, "string", error);

    case TN_JSON_BOOLEAN:
      g_string_append (out, value->boolean ? "true" : "false");
      return TRUE;

    case TN_JSON_NULL:
    default:
      g_string_append (out, "null");
      return TRUE;
    }
}

/* Public API ----------------------------------------------------------- */

gboolean
tn_canonical_json_format_number (double    value,
                                 GString  *out,
                                 GError  **error)
{
  Decimal dec;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (G_UNLIKELY (!isfinite (value)))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   "%s is not a JSON number",
                   isnan (value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
      return FALSE;
    }

  /* Integers below 2⁵³ (and -0) print exactly; nothing shorter reads
   * back, since the gap around them is at most 1. */
  if (fabs (value) < 9007199254740992.0 && value == (double) (gint64) value)
    {
      append_int64 (out, (gint64) value);
      return TRUE;
    }

  if (value < 0)
    {
      g_string_append_c (out, '-');
      value = -value;
    }
  shortest_decimal (value, &dec);
  append_decimal (out, &dec);
  return TRUE;
}

gboolean
tn_canonical_json_append_value (const TnJsonValue  *value,
                                GString            *out,
                                GError            **error)
{
  gsize start;

  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  start = out->len;
  if (!append_value (value, out, 0, error))
    {
      g_string_truncate (out, start);
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_canonical_json_append_string (GString     *out,
                                 const char  *str,
                                 GError     **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (str != NULL, FALSE);

  return append_string (out, str, "string", error);
}

gboolean
tn_canonical_json_append (JsonNode  *node,
                          GString   *out,
                          GError   **error)
{
  g_autoptr(TnJsonDoc) doc = NULL;

  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  doc = tn_json_doc_new_from_node (node, error);
  if (doc == NULL)
    return FALSE;
  return tn_canonical_json_append_value (tn_json_doc_get_root (doc), out, error);
}

char *
tn_canonical_json_to_string (JsonNode  *node,
                             GError   **error)
{
  g_autoptr(GString) out = NULL;

  g_return_val_if_fail (node != NULL, NULL);

  out = g_string_sized_new (256);
  if (!tn_canonical_json_append (node, out, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
tn_canonical_json_from_text (const char  *text,
                             gssize       length,
                             GError     **error)
{
  g_autoptr(TnJsonDoc) doc = tn_json_doc_parse (text, length, error);
  g_autoptr(GString) out = NULL;

  if (doc == NULL)
    return NULL;
  out = g_string_sized_new (length > 0 ? length : 256);
  if (!tn_canonical_json_append_value (tn_json_doc_get_root (doc), out, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
