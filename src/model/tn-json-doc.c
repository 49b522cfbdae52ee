/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The strict JSON parser and the flat document it builds.  json-glib
 * trees, where callers want one, are copies of the document
 * (tn_json_parse_strict ()). */

#include "tn-json-doc.h"
#include "tn-json-strict.h"

#include <glib/gi18n.h>

#include <string.h>

#include "tn-error.h"

/* Deeper documents are refused rather than risking the stack. */
#define MAX_DEPTH 512

/* Objects with more members than this check names for duplicates with a
 * hash table rather than by comparing with every earlier one. */
#define LINEAR_MEMBERS 32

struct _TnJsonDoc
{
  gatomicrefcount  ref_count;
  TnJsonValue     *values;
  guint            n_values;
  char            *strings;   /* every string and member name, each NUL-terminated */
  char            *text;      /* what was parsed, for tn_json_doc_canonical_text () */
};

typedef struct
{
  const char  *start;
  const char  *p;
  const char  *end;
  TnJsonValue *values;
  guint        n_values;
  guint        capacity;
  char        *strings;
  gsize        strings_len;
  /* Counts what RFC 8785 would write otherwise (whitespace, escapes,
   * number forms, member order): a container is canonical if it did
   * not change between its first and last byte. */
  guint        not_canonical;
  GError     **error;
} StrictScanner;

static gboolean scan_value (StrictScanner  *s,
                            guint           depth);

/* Strict parser ---------------------------------------------------------- */

/* JsonParser 1.6 accepts more than RFC 8259 and loses some of what it
 * accepts: it wraps integers beyond gint64 silently (123456789012345680000
 * becomes -1), cuts strings at \u0000, keeps the last of duplicate member
 * names, ignores a second value after the first ("[1] [2]"), and takes
 * 01, .5, 1., 0x10, raw control characters in strings and other
 * whitespace.  This parser holds the text to RFC 8259 and I-JSON (RFC
 * 7493, which RFC 8785 requires) and builds the document itself:
 * integers beyond gint64 become the nearest double, as JavaScript reads
 * them. */

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
  const char *start = s->p;

  while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
    s->p++;
  if (s->p != start)
    s->not_canonical++;
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

/* Appends @len bytes to the string being decoded. */
static inline void
put_bytes (StrictScanner *s,
           const char    *bytes,
           gsize          len)
{
  memcpy (s->strings + s->strings_len, bytes, len);
  s->strings_len += len;
}

/* Checks the string at s->p and decodes it into the document's string
 * area, NUL-terminated; *@out points at it.  A decoded string is shorter
 * than its quoted text, so an area as long as the text holds them all. */
static gboolean
scan_string (StrictScanner  *s,
             const char    **out,
             gsize          *out_len)
{
  const char *open = s->p++;
  const char *run = s->p;
  gsize begin = s->strings_len;

  for (;;)
    {
      const char *escape;
      gunichar c;
      char utf8[6];

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

      put_bytes (s, run, s->p - run);
      escape = s->p++;
      if (s->p == s->end)
        return scanner_fail (s, open, _("the string is not terminated"));

      switch (*s->p++)
        {
        case '"':  c = '"'; break;
        case '\\': c = '\\'; break;
        case '/':  c = '/'; s->not_canonical++; break;
        case 'b':  c = '\b'; break;
        case 'f':  c = '\f'; break;
        case 'n':  c = '\n'; break;
        case 'r':  c = '\r'; break;
        case 't':  c = '\t'; break;
        case 'u':
          if (!read_hex4 (s, s->p, &c))
            return FALSE;
          /* RFC 8785 writes \u00xx, lowercase, for the controls that
           * have no short escape, and every other character as is. */
          if (c >= 0x20 || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t' ||
              g_ascii_isupper (s->p[2]) || g_ascii_isupper (s->p[3]))
            s->not_canonical++;
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

      put_bytes (s, utf8, g_unichar_to_utf8 (c, utf8));
      run = s->p;
    }

  put_bytes (s, run, s->p - run);
  s->p++;
  *out = s->strings + begin;
  *out_len = s->strings_len - begin;
  s->strings[s->strings_len++] = '\0';
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

/* A new value at the end of the array; its index, since the array moves
 * as it grows. */
static guint
add_value (StrictScanner *s,
           TnJsonKind     kind)
{
  TnJsonValue *value;

  if (s->n_values == s->capacity)
    {
      s->capacity *= 2;
      s->values = g_renew (TnJsonValue, s->values, s->capacity);
    }
  value = &s->values[s->n_values];
  memset (value, 0, sizeof *value);
  value->kind = kind;
  value->size = 1;
  return s->n_values++;
}

static gboolean
scan_number (StrictScanner *s)
{
  const char *begin = s->p;
  const char *digits;
  gboolean negative = FALSE;
  gboolean integer = TRUE;
  gsize n_digits;
  char buffer[64];
  g_autofree char *heap = NULL;
  const char *text;
  guint index;

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

  /* Up to 18 digits cannot overflow: add them up here rather than copy
   * them for strtoll (most numbers of a sale are small integers). */
  if (integer && n_digits < 19)
    {
      gint64 value = 0;

      for (const char *d = digits; d < digits + n_digits; d++)
        value = value * 10 + (*d - '0');
      /* RFC 8785 writes -0 as 0, and beyond 2^53 the nearest double. */
      if ((negative && value == 0) || value > (G_GINT64_CONSTANT (1) << 53))
        s->not_canonical++;
      index = add_value (s, TN_JSON_INT);
      s->values[index].integer = negative ? -value : value;
      return TRUE;
    }
  s->not_canonical++;

  /* The text need not be NUL-terminated where the number ends. */
  if ((gsize) (s->p - begin) < sizeof buffer)
    {
      memcpy (buffer, begin, s->p - begin);
      buffer[s->p - begin] = '\0';
      text = buffer;
    }
  else
    {
      text = heap = g_strndup (begin, s->p - begin);
    }

  /* Integers beyond gint64 are plain doubles to JavaScript.  (The
   * index first: adding a value may move the array.) */
  if (integer && n_digits == 19 &&
      memcmp (digits, negative ? "9223372036854775808" : "9223372036854775807", 19) <= 0)
    {
      index = add_value (s, TN_JSON_INT);
      s->values[index].integer = g_ascii_strtoll (text, NULL, 10);
    }
  else
    {
      index = add_value (s, TN_JSON_DOUBLE);
      s->values[index].number = g_ascii_strtod (text, NULL);
    }
  return TRUE;
}

static gboolean
scan_literal (StrictScanner *s,
              const char    *literal)
{
  gsize len = strlen (literal);
  guint index;

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, literal, len) != 0)
    return scanner_unexpected (s, _("a value"));
  s->p += len;
  index = add_value (s, *literal == 'n' ? TN_JSON_NULL : TN_JSON_BOOLEAN);
  s->values[index].boolean = *literal == 't';
  return TRUE;
}

/* The first 8 bytes of @name, zero-padded; *@is_short (if not NULL)
 * says whether the name is shorter, in which case equal keys mean equal
 * names: looking up a member compares integers and rarely the strings. */
static inline guint64
name_key_of (const char *name,
             gboolean   *is_short)
{
  guint64 key = 0;
  guint i;

  for (i = 0; i < 8 && name[i] != '\0'; i++)
    key |= (guint64) (guchar) name[i] << (8 * i);
  if (is_short != NULL)
    *is_short = i < 8;
  return key;
}

/* Whether @value is named @name, whose key is @key and which is shorter
 * than 8 bytes if @short_name. */
static inline gboolean
name_equals (const TnJsonValue *value,
             const char        *name,
             guint64            key,
             gboolean           short_name)
{
  return value->name_key == key &&
         (short_name || strcmp (value->name + sizeof key, name + sizeof key) == 0);
}

/* I-JSON: member names are unique.  @object is the index of the object
 * being read, @count its members so far; @seen is NULL until the object
 * outgrows a linear search. */
static gboolean
member_name_is_new (StrictScanner  *s,
                    guint           object,
                    guint           count,
                    GHashTable    **seen,
                    const char     *name)
{
  gboolean short_name;
  guint64 key;
  guint i = object + 1;

  if (*seen != NULL)
    return g_hash_table_add (*seen, (gpointer) name);

  key = name_key_of (name, &short_name);
  for (guint m = 0; m < count; m++, i += s->values[i].size)
    if (name_equals (&s->values[i], name, key, short_name))
      return FALSE;

  if (count + 1 > LINEAR_MEMBERS)
    {
      *seen = g_hash_table_new (g_str_hash, g_str_equal);
      i = object + 1;
      for (guint m = 0; m < count; m++, i += s->values[i].size)
        g_hash_table_add (*seen, (gpointer) s->values[i].name);
      g_hash_table_add (*seen, (gpointer) name);
    }
  return TRUE;
}

/* Ends container @index, which began at @open with s->not_canonical at
 * @marks. */
static void
end_container (StrictScanner *s,
               guint          index,
               const char    *open,
               guint          marks,
               guint          count)
{
  TnJsonValue *container = &s->values[index];

  container->size = s->n_values - index;
  container->length = count;
  container->canonical = s->not_canonical == marks &&
                         (gsize) (s->end - s->start) <= G_MAXUINT32;
  container->text.offset = (guint32) (open - s->start);
  container->text.length = (guint32) (s->p - open);
}

static gboolean
scan_object (StrictScanner *s,
             guint          depth)
{
  guint marks = s->not_canonical;
  const char *open = s->p++;
  guint object = add_value (s, TN_JSON_OBJECT);
  g_autoptr(GHashTable) seen = NULL;
  const char *previous = NULL;
  gboolean sorted = TRUE;   /* the names so far, in canonical order */
  guint count = 0;

  skip_whitespace (s);
  if (s->p < s->end && *s->p == '}')
    s->p++;
  else
    for (;;)
      {
        const char *name;
        gsize name_len;
        guint member;
        int order;

        skip_whitespace (s);
        if (s->p == s->end || *s->p != '"')
          return scanner_unexpected (s, _("a member name"));
        if (!scan_string (s, &name, &name_len))
          return FALSE;
        order = previous != NULL ? tn_json_compare_names (previous, name) : -1;
        if (order > 0)
          {
            sorted = FALSE;
            s->not_canonical++;
          }
        /* In order so far and past the last name: it cannot repeat one. */
        if (order == 0 || (!sorted && !member_name_is_new (s, object, count, &seen, name)))
          return scanner_fail (s, open, _("the object has two members named “%s”"), name);
        previous = name;

        skip_whitespace (s);
        if (s->p == s->end || *s->p != ':')
          return scanner_unexpected (s, _("“:”"));
        s->p++;
        member = s->n_values;
        if (!scan_value (s, depth + 1))
          return FALSE;
        s->values[member].name = name;
        s->values[member].name_key = name_key_of (name, NULL);
        count++;

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

  end_container (s, object, open, marks, count);
  return TRUE;
}

static gboolean
scan_array (StrictScanner *s,
            guint          depth)
{
  guint marks = s->not_canonical;
  const char *open = s->p++;
  guint array = add_value (s, TN_JSON_ARRAY);
  guint count = 0;

  skip_whitespace (s);
  if (s->p < s->end && *s->p == ']')
    s->p++;
  else
    for (;;)
      {
        if (!scan_value (s, depth + 1))
          return FALSE;
        count++;
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

  end_container (s, array, open, marks, count);
  return TRUE;
}

/* On success, the value read is the subtree at the old s->n_values. */
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
      {
        guint index = add_value (s, TN_JSON_STRING);
        const char *string;
        gsize len;

        if (!scan_string (s, &string, &len))
          return FALSE;
        s->values[index].string = string;
        s->values[index].length = (guint32) len;
        return TRUE;
      }

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

static TnJsonDoc *
doc_new (TnJsonValue *values,
         guint        n_values,
         char        *strings,
         char        *text)
{
  TnJsonDoc *doc = g_new (TnJsonDoc, 1);

  g_atomic_ref_count_init (&doc->ref_count);
  doc->values = values;
  doc->n_values = n_values;
  doc->strings = strings;
  doc->text = text;
  return doc;
}

/* As g_utf8_validate () with a length (a NUL byte is invalid too), which
 * reads a byte at a time.  Events are nearly all ASCII: words of eight
 * ASCII bytes with no NUL are skipped at once, and GLib judges each run
 * of other bytes, which starts and ends at a character boundary. */
static gboolean
utf8_validate (const char  *text,
               gsize        length,
               const char **bad)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  const char *p = text;
  const char *end = text + length;

  while (p < end)
    {
      const char *run;
      guint64 word;

      if (end - p >= 8)
        {
          memcpy (&word, p, sizeof word);
          /* No byte with its high bit set, and none zero. */
          if ((word & highs) == 0 && ((word - ones) & ~word & highs) == 0)
            {
              p += sizeof word;
              continue;
            }
        }
      if ((guchar) *p != 0 && (guchar) *p < 0x80)
        {
          p++;
          continue;
        }
      run = p++;
      while (p < end && (guchar) *p >= 0x80)
        p++;
      if (!g_utf8_validate (run, p - run, bad))
        return FALSE;
    }
  return TRUE;
}

/* @keep_text: for tn_json_doc_canonical_text (); a document that is only
 * copied into a json-glib tree need not hold a copy of the text. */
static TnJsonDoc *
parse_doc (const char  *text,
           gssize       length,
           gboolean     keep_text,
           GError     **error)
{
  StrictScanner s = { 0 };
  const char *bad;
  gboolean ok;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (text);

  s.start = s.p = text;
  s.end = text + length;
  s.error = error;

  if (!utf8_validate (text, length, &bad))
    {
      scanner_fail (&s, bad, _("the text is not valid UTF-8"));
      return NULL;
    }

  /* About one value per 12 bytes in an event; the array doubles if not. */
  s.capacity = 16 + length / 12;
  s.values = g_new (TnJsonValue, s.capacity);
  s.strings = g_malloc (length + 1);
  ok = scan_value (&s, 0);
  if (ok)
    {
      skip_whitespace (&s);
      if (s.p != s.end)
        ok = scanner_unexpected (&s, _("the end of the text"));
    }
  if (!ok)
    {
      g_free (s.values);
      g_free (s.strings);
      return NULL;
    }
  return doc_new (s.values, s.n_values, s.strings, keep_text ? g_strndup (text, length) : NULL);
}

TnJsonDoc *
tn_json_doc_parse (const char  *text,
                   gssize       length,
                   GError     **error)
{
  return parse_doc (text, length, TRUE, error);
}

JsonNode *
tn_json_parse_strict (const char  *text,
                      gssize       length,
                      GError     **error)
{
  g_autoptr(TnJsonDoc) doc = parse_doc (text, length, FALSE, error);

  if (doc == NULL)
    return NULL;
  return tn_json_value_to_node (tn_json_doc_get_root (doc));
}

/* Documents ------------------------------------------------------------ */

TnJsonDoc *
tn_json_doc_ref (TnJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, NULL);

  g_atomic_ref_count_inc (&doc->ref_count);
  return doc;
}

void
tn_json_doc_unref (TnJsonDoc *doc)
{
  if (doc == NULL || !g_atomic_ref_count_dec (&doc->ref_count))
    return;
  g_free (doc->values);
  g_free (doc->strings);
  g_free (doc->text);
  g_free (doc);
}

const char *
tn_json_doc_canonical_text (TnJsonDoc          *doc,
                            const TnJsonValue  *value,
                            gsize              *length)
{
  g_return_val_if_fail (doc != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  if (doc->text == NULL || !value->canonical ||
      (value->kind != TN_JSON_OBJECT && value->kind != TN_JSON_ARRAY))
    return NULL;
  *length = value->text.length;
  return doc->text + value->text.offset;
}

const TnJsonValue *
tn_json_doc_get_root (TnJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, NULL);

  return &doc->values[0];
}

/* Copying a json-glib tree: one pass to size the arrays, one to fill
 * them. */
typedef struct
{
  guint        n_values;
  gsize        n_bytes;
  TnJsonValue *values;
  char        *strings;
} NodeCopy;

static gboolean
count_node (JsonNode    *node,
            const char  *name,
            NodeCopy    *copy,
            guint        depth,
            GError     **error)
{
  copy->n_values++;
  if (name != NULL)
    copy->n_bytes += strlen (name) + 1;

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
    case JSON_NODE_ARRAY:
      if (depth >= MAX_DEPTH)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       "The JSON is nested more than %d levels deep", MAX_DEPTH);
          return FALSE;
        }
      if ((JSON_NODE_HOLDS_OBJECT (node) && json_node_get_object (node) == NULL) ||
          (JSON_NODE_HOLDS_ARRAY (node) && json_node_get_array (node) == NULL))
        {
          g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                               "A JSON object or array node holds no object or array");
          return FALSE;
        }
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObjectIter iter;
          const char *member;
          JsonNode *child;

          json_object_iter_init_ordered (&iter, json_node_get_object (node));
          while (json_object_iter_next_ordered (&iter, &member, &child))
            if (!count_node (child, member, copy, depth + 1, error))
              return FALSE;
        }
      else
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            if (!count_node (json_array_get_element (array, i), NULL, copy, depth + 1, error))
              return FALSE;
        }
      return TRUE;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          if (json_node_get_string (node) == NULL)
            {
              g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                                   "A JSON string node holds no string");
              return FALSE;
            }
          copy->n_bytes += strlen (json_node_get_string (node)) + 1;
        }
      return TRUE;

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

static const char *
copy_string (NodeCopy   *copy,
             const char *text,
             gsize       len)
{
  char *out = copy->strings + copy->n_bytes;

  memcpy (out, text, len + 1);
  copy->n_bytes += len + 1;
  return out;
}

static void
copy_node (JsonNode   *node,
           const char *name,
           NodeCopy   *copy)
{
  guint index = copy->n_values++;
  TnJsonValue *value = &copy->values[index];

  memset (value, 0, sizeof *value);
  value->name = name != NULL ? copy_string (copy, name, strlen (name)) : NULL;
  value->name_key = name != NULL ? name_key_of (name, NULL) : 0;
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *member;
        JsonNode *child;

        value->kind = TN_JSON_OBJECT;
        value->length = json_object_get_size (json_node_get_object (node));
        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &member, &child))
          copy_node (child, member, copy);
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        value->kind = TN_JSON_ARRAY;
        value->length = json_array_get_length (array);
        for (guint i = 0; i < value->length; i++)
          copy_node (json_array_get_element (array, i), NULL, copy);
      }
      break;

    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_INT64)
          {
            value->kind = TN_JSON_INT;
            value->integer = json_node_get_int (node);
          }
        else if (type == G_TYPE_DOUBLE)
          {
            value->kind = TN_JSON_DOUBLE;
            value->number = json_node_get_double (node);
          }
        else if (type == G_TYPE_BOOLEAN)
          {
            value->kind = TN_JSON_BOOLEAN;
            value->boolean = json_node_get_boolean (node);
          }
        else
          {
            const char *text = json_node_get_string (node);

            value->kind = TN_JSON_STRING;
            value->length = strlen (text);
            value->string = copy_string (copy, text, value->length);
          }
      }
      break;

    case JSON_NODE_NULL:
    default:
      value->kind = TN_JSON_NULL;
      break;
    }
  value->size = copy->n_values - index;
}

TnJsonDoc *
tn_json_doc_new_from_node (JsonNode  *node,
                           GError   **error)
{
  NodeCopy copy = { 0 };

  g_return_val_if_fail (node != NULL, NULL);

  if (!count_node (node, NULL, &copy, 0, error))
    return NULL;
  copy.values = g_new (TnJsonValue, copy.n_values);
  copy.strings = g_malloc (copy.n_bytes + 1);
  copy.n_values = 0;
  copy.n_bytes = 0;
  copy_node (node, NULL, &copy);
  return doc_new (copy.values, copy.n_values, copy.strings, NULL);
}

JsonNode *
tn_json_value_to_node (const TnJsonValue *value)
{
  JsonNode *node = json_node_alloc ();

  switch (value->kind)
    {
    case TN_JSON_NULL:
      return json_node_init_null (node);
    case TN_JSON_BOOLEAN:
      return json_node_init_boolean (node, value->boolean);
    case TN_JSON_INT:
      return json_node_init_int (node, value->integer);
    case TN_JSON_DOUBLE:
      return json_node_init_double (node, value->number);
    case TN_JSON_STRING:
      return json_node_init_string (node, value->string);
    case TN_JSON_ARRAY:
      {
        g_autoptr(JsonArray) array = json_array_sized_new (value->length);

        tn_json_value_foreach (child, value)
          json_array_add_element (array, tn_json_value_to_node (child));
        return json_node_init_array (node, array);
      }
    case TN_JSON_OBJECT:
    default:
      {
        g_autoptr(JsonObject) object = json_object_new ();

        tn_json_value_foreach (child, value)
          json_object_set_member (object, child->name, tn_json_value_to_node (child));
        return json_node_init_object (node, object);
      }
    }
}

/* Values ----------------------------------------------------------------- */

const TnJsonValue *
tn_json_value_first (const TnJsonValue *container)
{
  if (container == NULL || container->size < 2 ||
      (container->kind != TN_JSON_ARRAY && container->kind != TN_JSON_OBJECT))
    return NULL;
  return container + 1;
}

const TnJsonValue *
tn_json_value_next (const TnJsonValue *container,
                    const TnJsonValue *child)
{
  const TnJsonValue *next = child + child->size;

  return next < container + container->size ? next : NULL;
}

const TnJsonValue *
tn_json_value_member (const TnJsonValue *object,
                      const char        *name)
{
  guint64 key;
  gboolean short_name;

  if (object == NULL || object->kind != TN_JSON_OBJECT)
    return NULL;
  key = name_key_of (name, &short_name);
  tn_json_value_foreach (member, object)
    if (name_equals (member, name, key, short_name))
      return member;
  return NULL;
}

const char *
tn_json_value_get_string (const TnJsonValue *object,
                          const char        *name)
{
  const TnJsonValue *member = tn_json_value_member (object, name);

  return member != NULL && member->kind == TN_JSON_STRING ? member->string : NULL;
}

gint64
tn_json_value_get_int (const TnJsonValue *object,
                       const char        *name,
                       gint64             default_value)
{
  const TnJsonValue *member = tn_json_value_member (object, name);

  return member != NULL && member->kind == TN_JSON_INT ? member->integer : default_value;
}

gboolean
tn_json_value_get_boolean (const TnJsonValue *object,
                           const char        *name,
                           gboolean           default_value)
{
  const TnJsonValue *member = tn_json_value_member (object, name);

  return member != NULL && member->kind == TN_JSON_BOOLEAN ? member->boolean : default_value;
}

const TnJsonValue *
tn_json_value_get_object (const TnJsonValue *object,
                          const char        *name)
{
  const TnJsonValue *member = tn_json_value_member (object, name);

  return member != NULL && member->kind == TN_JSON_OBJECT ? member : NULL;
}

const TnJsonValue *
tn_json_value_get_array (const TnJsonValue *object,
                         const char        *name)
{
  const TnJsonValue *member = tn_json_value_member (object, name);

  return member != NULL && member->kind == TN_JSON_ARRAY ? member : NULL;
}
