/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tn-canonical-json.h"
#include "tn-json-doc.h"
#include "tn-error.h"

/* Helpers -------------------------------------------------------------- */

static const char *
shared_dir (void)
{
  const char *dir = g_getenv ("TN_SHARED_DIR");

  return dir != NULL && *dir != '\0' ? dir : "../shared";
}

static char *
jcs_path (const char *first,
          ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, (gpointer) shared_dir ());
  g_ptr_array_add (parts, (gpointer) "testdata");
  g_ptr_array_add (parts, (gpointer) "jcs");
  va_start (args, first);
  for (const char *part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

static char *
format_number (double value)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  if (!tn_canonical_json_format_number (value, out, &error))
    return NULL;
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_number (double      value,
               const char *expected)
{
  g_autofree char *got = format_number (value);

  g_assert_cmpstr (got, ==, expected);
}

static double
double_from_bits (guint64 bits)
{
  double value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

static void
assert_canonical (const char *text,
                  const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = tn_canonical_json_from_text (text, -1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, expected);
}

static void
assert_invalid (const char *text,
                gssize      length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = tn_canonical_json_from_text (text, length, &error);

  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_null (got);
  g_test_message ("%s", error->message);
}

static char *
canonical_node (JsonNode *node)
{
  g_autoptr(GError) error = NULL;
  char *got = tn_canonical_json_to_string (node, &error);

  g_assert_no_error (error);
  return got;
}

/* Reference vectors ---------------------------------------------------- */

static void
test_vectors (void)
{
  g_autofree char *input_dir = jcs_path ("input", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (input_dir, 0, &error);
  const char *name;
  guint pairs = 0, marked = 0;

  g_assert_no_error (error);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *input_path = NULL;
      g_autofree char *output_path = NULL;
      g_autofree char *input = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *got = NULL;
      gsize input_len, expected_len;

      if (!g_str_has_suffix (name, ".json"))
        continue;

      input_path = g_build_filename (input_dir, name, NULL);
      output_path = jcs_path ("output", name, NULL);
      g_file_get_contents (input_path, &input, &input_len, &error);
      g_assert_no_error (error);
      g_file_get_contents (output_path, &expected, &expected_len, &error);
      g_assert_no_error (error);

      got = tn_canonical_json_from_text (input, input_len, &error);
      g_assert_no_error (error);
      if (strlen (got) != expected_len || memcmp (got, expected, expected_len) != 0)
        g_printerr ("%s:\n  expected %s\n  got      %s\n", name, expected, got);
      g_assert_cmpuint (strlen (got), ==, expected_len);
      g_assert_cmpmem (got, expected_len, expected, expected_len);
      g_test_message ("%s matches", name);
      pairs++;

      /* The parser recognises canonical text where it says so; it only
       * declines texts with fractions and exponents (values.json). */
      {
        g_autoptr(TnJsonDoc) doc = tn_json_doc_parse (expected, expected_len, &error);
        const char *text;
        gsize length = 0;

        g_assert_no_error (error);
        text = tn_json_doc_canonical_text (doc, tn_json_doc_get_root (doc), &length);
        if (text != NULL)
          {
            g_assert_cmpmem (text, length, expected, expected_len);
            marked++;
          }
        g_test_message ("%s %s marked canonical", name, text ? "is" : "is not");
      }
    }

  g_assert_cmpuint (pairs, >=, 6);
  g_assert_cmpuint (marked, >=, pairs - 1);
}

/* es6-numbers.txt: "HEXBITS,expected" per line, the bit pattern of a
 * double in hex without leading zeros. */
static void
test_es6_numbers (void)
{
  g_autofree char *path = jcs_path ("es6-numbers.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;
  guint n_lines, checked = 0, failures = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  n_lines = g_strv_length (lines);
  if (n_lines > 0 && *lines[n_lines - 1] == '\0')
    n_lines--;  /* the final newline */
  g_assert_cmpuint (n_lines, >=, 30000);

  for (guint i = 0; i < n_lines; i++)
    {
      const char *line = lines[i];
      const char *comma = strchr (line, ',');
      g_autoptr(GError) number_error = NULL;
      g_autoptr(GString) out = g_string_new (NULL);
      const char *expected;
      char *end;
      guint64 bits;
      double value;

      g_assert_nonnull (comma);
      bits = g_ascii_strtoull (line, &end, 16);
      g_assert_true (end == comma);
      expected = comma + 1;
      value = double_from_bits (bits);

      if (!isfinite (value))
        {
          g_assert_false (tn_canonical_json_format_number (value, out, &number_error));
          g_assert_error (number_error, TN_ERROR, TN_ERROR_INVALID);
          checked++;
          continue;
        }

      if (!tn_canonical_json_format_number (value, out, &number_error))
        {
          g_printerr ("line %u: %" G_GINT64_MODIFIER "x: expected %s, got error: %s\n",
                      i + 1, bits, expected, number_error->message);
          failures++;
        }
      else if (strcmp (out->str, expected) != 0)
        {
          g_printerr ("line %u: %" G_GINT64_MODIFIER "x: expected %s, got %s\n",
                      i + 1, bits, expected, out->str);
          failures++;
        }
      checked++;
    }

  g_test_message ("%u numbers checked", checked);
  g_assert_cmpuint (failures, ==, 0);
  g_assert_cmpuint (checked, ==, n_lines);
}

/* Numbers -------------------------------------------------------------- */

static void
test_number_layout (void)
{
  assert_number (0.0, "0");
  assert_number (-0.0, "0");
  assert_number (1.0, "1");
  assert_number (-1.0, "-1");
  assert_number (4.5, "4.5");
  assert_number (0.002, "0.002");
  assert_number (0.1 + 0.2, "0.30000000000000004");
  assert_number (333333333.33333329, "333333333.3333333");
  assert_number (1e21, "1e+21");
  assert_number (-1e21, "-1e+21");
  assert_number (1e20, "100000000000000000000");
  assert_number (123456789012345680000.0, "123456789012345680000");
  assert_number (1.5e21, "1.5e+21");
  assert_number (1e-6, "0.000001");
  assert_number (1.5e-6, "0.0000015");
  assert_number (1e-7, "1e-7");
  assert_number (1.5e-7, "1.5e-7");
  assert_number (1e30, "1e+30");
  assert_number (1e-27, "1e-27");
  assert_number (9007199254740991.0, "9007199254740991");
  assert_number (9007199254740992.0, "9007199254740992");
  assert_number (9007199254740994.0, "9007199254740994");
  assert_number (1152921504606846976.0, "1152921504606847000");
  assert_number (G_MAXDOUBLE, "1.7976931348623157e+308");
  assert_number (-G_MAXDOUBLE, "-1.7976931348623157e+308");
  assert_number (G_MINDOUBLE, "2.2250738585072014e-308");
  assert_number (double_from_bits (1), "5e-324");
  assert_number (double_from_bits (G_GUINT64_CONSTANT (0x8000000000000001)), "-5e-324");
}

/* Powers of two have a narrower gap below them than above; there the
 * nearest 16-digit decimal can miss while the next one up reads back.
 * Expected strings from V8 (Node.js String (2 ** e)). */
static void
test_number_powers_of_two (void)
{
  assert_number (ldexp (1.0, -44), "5.684341886080802e-14");
  assert_number (ldexp (1.0, -24), "5.960464477539063e-8");
  assert_number (ldexp (1.0, 89), "6.189700196426902e+26");
  assert_number (ldexp (1.0, 976), "6.386688990511104e+293");
  assert_number (ldexp (1.0, -1017), "7.120236347223045e-307");
  assert_number (-ldexp (1.0, -44), "-5.684341886080802e-14");
  assert_number (ldexp (1.0, -1074), "5e-324");
  assert_number (ldexp (1.0, 1023), "8.98846567431158e+307");

  /* Every power of two reads back. */
  for (int e = -1074; e <= 1023; e++)
    {
      double value = ldexp (1.0, e);
      g_autofree char *got = format_number (value);

      g_assert_cmpfloat (g_ascii_strtod (got, NULL), ==, value);
    }
}

/* Whatever the bits, the string reads back as the same double and has no
 * more than 17 significant digits. */
static void
test_number_round_trip (void)
{
  for (guint i = 0; i < 200000; i++)
    {
      guint64 bits = ((guint64) g_test_rand_int () << 32) | (guint32) g_test_rand_int ();
      double value = double_from_bits (bits);
      g_autofree char *got = NULL;
      g_autoptr(GString) digits = g_string_new (NULL);
      gsize skip = 0;

      if (!isfinite (value))
        continue;
      got = format_number (value);
      g_assert_nonnull (got);
      if (g_ascii_strtod (got, NULL) != value)
        g_printerr ("%" G_GINT64_MODIFIER "x: %s does not read back\n", bits, got);
      g_assert_cmpfloat (g_ascii_strtod (got, NULL), ==, value);
      /* Significant digits: drop leading zeros and the zeros that pad
       * integers up to 10^21. */
      for (const char *p = got; *p != '\0' && *p != 'e'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (digits, *p);
      while (skip < digits->len && digits->str[skip] == '0')
        skip++;
      while (digits->len > skip && digits->str[digits->len - 1] == '0')
        g_string_truncate (digits, digits->len - 1);
      g_assert_cmpuint (digits->len - skip, <=, 17);
    }
}

static void
test_number_not_finite (void)
{
  const double values[] = { NAN, -NAN, INFINITY, -INFINITY };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GString) out = g_string_new ("[");
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
      g_autofree char *got = NULL;

      g_assert_false (tn_canonical_json_format_number (values[i], out, &error));
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_cmpstr (out->str, ==, "[");
      g_clear_error (&error);

      json_node_set_double (node, values[i]);
      got = tn_canonical_json_to_string (node, &error);
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_null (got);
    }

  /* A literal beyond the double range is Infinity to JavaScript. */
  assert_invalid ("[1e400]", -1);
  assert_invalid ("{\"a\":-1e400}", -1);
}

/* gint64 nodes are what json-glib makes of integer literals. */
static void
test_int64 (void)
{
  const struct
  {
    gint64      value;
    const char *expected;
  } cases[] = {
    { 0, "0" },
    { -1, "-1" },
    { 9007199254740992, "9007199254740992" },          /* 2^53 */
    { -9007199254740992, "-9007199254740992" },
    { 9007199254740993, "9007199254740992" },          /* 2^53 + 1 rounds to even */
    { 9007199254740995, "9007199254740996" },
    { -9007199254740993, "-9007199254740992" },
    { 1000000000000000001, "1000000000000000000" },
    { G_MAXINT64, "9223372036854776000" },
    { G_MININT64, "-9223372036854776000" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
      g_autofree char *got = NULL;

      json_node_set_int (node, cases[i].value);
      got = canonical_node (node);
      g_assert_cmpstr (got, ==, cases[i].expected);
    }

  /* Literals beyond gint64, which json-glib alone would wrap around. */
  assert_canonical ("[123456789012345680000]", "[123456789012345680000]");
  assert_canonical ("[9223372036854775807,9223372036854775808]",
                    "[9223372036854776000,9223372036854776000]");
  assert_canonical ("[-9223372036854775808,-9223372036854775809]",
                    "[-9223372036854776000,-9223372036854776000]");
  assert_canonical ("{\"a\":18446744073709551616,\"b\":[-100000000000000000000000]}",
                    "{\"a\":18446744073709552000,\"b\":[-1e+23]}");
  assert_canonical ("99999999999999999999999999", "1e+26");
  assert_canonical ("[-0, -0.0, 0e5, 1E+2, 1e-2, 56.0]", "[0,0,0,100,0.01,56]");
  assert_canonical ("[0.1000000000000000055511151231257827021181583404541015625]", "[0.1]");
}

/* Strings and member order ------------------------------------------- */

static void
test_string_escaping (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autofree char *got = NULL;

  json_node_set_string (node, "\x01\x1f\b\t\n\f\r\x7f\"\\/ é€😂</script>");
  got = canonical_node (node);
  g_assert_cmpstr (got, ==, "\"\\u0001\\u001f\\b\\t\\n\\f\\r\x7f\\\"\\\\/ é€😂</script>\"");
}

static void
test_string_escaping_text (void)
{
  assert_canonical ("[\"\\u0001\\u001F\\u007f\\u00e9\\uD83D\\uDE02\\/\\b\\f\"]",
                    "[\"\\u0001\\u001f\x7f" "é😂/\\b\\f\"]");
  assert_canonical ("\"\\u2028\\u2029\\ufeff\"", "\"\u2028\u2029\ufeff\"");
}

static void
test_member_order (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *got = NULL;

  /* In UTF-8 (and code point) order U+FB33 comes before U+1F602; in
   * UTF-16 the surrogate pair 0xD83D 0xDE02 comes before 0xFB33. */
  json_object_set_int_member (object, "\ufb33", 1);
  json_object_set_int_member (object, "\U0001f602", 2);
  json_object_set_int_member (object, "\uffff", 3);
  json_object_set_int_member (object, "\ud7ff", 4);
  json_object_set_int_member (object, "\U0010ffff", 5);
  json_object_set_int_member (object, "\U00010000", 6);
  json_object_set_int_member (object, "\ue000", 7);
  json_object_set_int_member (object, "", 8);
  json_object_set_int_member (object, "a", 9);
  json_object_set_int_member (object, "aa", 10);
  json_object_set_int_member (object, "B", 11);
  json_object_set_int_member (object, "\u00e9", 12);
  json_node_set_object (node, object);

  got = canonical_node (node);
  g_assert_cmpstr (got, ==,
                   "{\"\":8,\"B\":11,\"a\":9,\"aa\":10,\"\u00e9\":12,\"\ud7ff\":4,"
                   "\"\U00010000\":6,\"\U0001f602\":2,\"\U0010ffff\":5,"
                   "\"\ue000\":7,\"\ufb33\":1,\"\uffff\":3}");

  assert_canonical ("{\"\\ufb33\":1,\"\\ud83d\\ude02\":2}", "{\"\U0001f602\":2,\"\ufb33\":1}");
}

/* Objects larger than the stack buffer take the qsort path. */
static void
test_member_order_large (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GString) expected = g_string_new ("{");
  g_autofree char *got = NULL;

  for (int i = 99; i >= 0; i--)
    {
      g_autofree char *name = g_strdup_printf ("k%02d", i);

      json_object_set_int_member (object, name, i);
    }
  json_object_set_int_member (object, "\U0001f600", -1);
  json_object_set_int_member (object, "\uff00", -2);
  json_node_set_object (node, object);

  for (int i = 0; i < 100; i++)
    g_string_append_printf (expected, "\"k%02d\":%d,", i, i);
  g_string_append (expected, "\"\U0001f600\":-1,\"\uff00\":-2}");

  got = canonical_node (node);
  g_assert_cmpstr (got, ==, expected->str);
}

static void
test_structure (void)
{
  assert_canonical (" \t\r\n{ \"b\" : [ 1 , { } , [ ] , null , true , false ] , \"a\" : { \"z\" : \"\" } } \n",
                    "{\"a\":{\"z\":\"\"},\"b\":[1,{},[],null,true,false]}");
  assert_canonical ("true", "true");
  assert_canonical ("null", "null");
  assert_canonical ("\"x\"", "\"x\"");
  assert_canonical ("4.50", "4.5");
  assert_canonical ("[]", "[]");
  assert_canonical ("{}", "{}");

  /* Only the given length is read. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *got = tn_canonical_json_from_text ("[1,2]garbage", 5, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (got, ==, "[1,2]");
  }
}

/* Input that is not RFC 8259 / I-JSON is refused, including what
 * json-glib would accept or silently change. */
static void
test_invalid_text (void)
{
  g_autofree char *deep = NULL;

  assert_invalid ("", -1);
  assert_invalid ("   ", -1);
  assert_invalid ("[1] [2]", -1);
  assert_invalid ("[1,]", -1);
  assert_invalid ("{\"a\":1,}", -1);
  assert_invalid ("{\"a\" 1}", -1);
  assert_invalid ("{a:1}", -1);
  assert_invalid ("[01]", -1);
  assert_invalid ("[-]", -1);
  assert_invalid ("[- 1]", -1);
  assert_invalid ("[.5]", -1);
  assert_invalid ("[1.]", -1);
  assert_invalid ("[1e]", -1);
  assert_invalid ("[+1]", -1);
  assert_invalid ("[0x10]", -1);
  assert_invalid ("[NaN]", -1);
  assert_invalid ("[Infinity]", -1);
  assert_invalid ("[tru]", -1);
  assert_invalid ("[truex]", -1);
  assert_invalid ("[\"a\tb\"]", -1);
  assert_invalid ("[\"a\\x\"]", -1);
  assert_invalid ("[\"a\\u12\"]", -1);
  assert_invalid ("[\"abc", -1);
  assert_invalid ("[\"\\ud800\"]", -1);
  assert_invalid ("[\"\\ud800\\u0041\"]", -1);
  assert_invalid ("[\"\\udc00\"]", -1);
  assert_invalid ("[\"a\\u0000b\"]", -1);
  assert_invalid ("[\"\xff\"]", -1);
  assert_invalid ("[\"\xed\xa0\x80\"]", -1);  /* an encoded surrogate */
  assert_invalid ("[1,\0002]", 5);
  assert_invalid ("\xef\xbb\xbf[]", -1);     /* a byte order mark */
  assert_invalid ("[1]\f", -1);
  assert_invalid ("{\"a\":1,\"a\":2}", -1);
  assert_invalid ("{\"a\":1,\"\\u0061\":2}", -1);
  assert_invalid ("{\"x\":{\"a\":1,\"b\":{\"a\":3},\"a\":2}}", -1);
  assert_invalid ("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,"
                  "\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,\"k3\":3}", -1);

  /* Deep nesting fails cleanly instead of overflowing the stack. */
  deep = g_strnfill (100000, '[');
  assert_invalid (deep, -1);
}

/* The same name may appear in different objects. */
static void
test_same_name_in_sibling_objects (void)
{
  assert_canonical ("[{\"a\":1},{\"a\":2,\"b\":{\"a\":3,\"b\":4}}]",
                    "[{\"a\":1},{\"a\":2,\"b\":{\"a\":3,\"b\":4}}]");
}

static void
test_error_leaves_output (void)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GString) out = g_string_new ("prefix");
  g_autoptr(GError) error = NULL;

  json_array_add_int_element (array, 1);
  json_array_add_string_element (array, "two");
  json_array_add_double_element (array, NAN);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, array);

  g_assert_false (tn_canonical_json_append (node, out, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_cmpstr (out->str, ==, "prefix");
}

static void
test_invalid_utf8_node (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) object_node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *got2 = NULL;

  json_node_set_string (node, "caf\xe9");
  got = tn_canonical_json_to_string (node, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_null (got);
  g_clear_error (&error);

  json_object_set_null_member (object, "\xc0\x80");
  json_node_set_object (object_node, object);
  got2 = tn_canonical_json_to_string (object_node, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_null (got2);
}

/* Nodes made by an immutable parser (as the event code uses) canonicalise
 * the same. */
static void
test_immutable_nodes (void)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;

  json_parser_load_from_data (parser, "{\"b\":[1.50,\"x\"],\"a\":null}", -1, &error);
  g_assert_no_error (error);
  got = canonical_node (json_parser_get_root (parser));
  g_assert_cmpstr (got, ==, "{\"a\":null,\"b\":[1.5,\"x\"]}");
}

/* LC_NUMERIC must not leak into the output: the app calls
 * setlocale (LC_ALL, ""). */
static void
test_locale (void)
{
  const char *locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "ar_SA.UTF-8", "ps_AF.UTF-8" };
  g_autofree char *saved = g_strdup (setlocale (LC_NUMERIC, NULL));
  guint tried = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      if (setlocale (LC_NUMERIC, locales[i]) == NULL)
        continue;
      tried++;
      assert_number (4.5, "4.5");
      assert_number (1.5e-7, "1.5e-7");
      assert_number (0.1 + 0.2, "0.30000000000000004");
      assert_number (ldexp (1.0, -44), "5.684341886080802e-14");
      assert_canonical ("[333333333.33333329,1E30,4.50,2e-3,123456789012345680000]",
                        "[333333333.3333333,1e+30,4.5,0.002,123456789012345680000]");
    }
  setlocale (LC_NUMERIC, saved);

  if (tried == 0)
    g_error ("No locale with a decimal comma is installed: run build-aux/dev deps");
}

/* Run with -m perf. */
static void
test_performance (void)
{
  g_autoptr(GString) text = g_string_new ("{");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) out = g_string_sized_new (2048);
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  const guint rounds = 20000;
  gint64 start;
  double usec;

  for (int i = 0; i < 24; i++)
    g_string_append_printf (text, "\"member_%02d\":\"value number %d\",", (i * 7) % 24, i);
  g_string_append (text, "\"money\":[1999,250,-75],\"rate\":0.21,\"pi\":3.141592653589793,"
                         "\"nested\":{\"sku\":\"ABC-123\",\"qty\":3,\"ok\":true,\"note\":null}}");
  json_parser_load_from_data (parser, text->str, text->len, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    {
      g_string_truncate (out, 0);
      tn_canonical_json_append (root, out, NULL);
    }
  usec = (double) (g_get_monotonic_time () - start) / rounds;
  g_test_minimized_result (usec, "append: %.2f µs for %" G_GSIZE_FORMAT " bytes", usec, text->len);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    g_free (tn_canonical_json_from_text (text->str, text->len, NULL));
  usec = (double) (g_get_monotonic_time () - start) / rounds;
  g_test_minimized_result (usec, "from_text: %.2f µs", usec);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/canonical-json/vectors", test_vectors);
  g_test_add_func ("/canonical-json/es6-numbers", test_es6_numbers);
  g_test_add_func ("/canonical-json/number/layout", test_number_layout);
  g_test_add_func ("/canonical-json/number/powers-of-two", test_number_powers_of_two);
  g_test_add_func ("/canonical-json/number/round-trip", test_number_round_trip);
  g_test_add_func ("/canonical-json/number/not-finite", test_number_not_finite);
  g_test_add_func ("/canonical-json/number/int64", test_int64);
  g_test_add_func ("/canonical-json/string/escaping", test_string_escaping);
  g_test_add_func ("/canonical-json/string/escaping-text", test_string_escaping_text);
  g_test_add_func ("/canonical-json/string/invalid-utf8", test_invalid_utf8_node);
  g_test_add_func ("/canonical-json/object/member-order", test_member_order);
  g_test_add_func ("/canonical-json/object/member-order-large", test_member_order_large);
  g_test_add_func ("/canonical-json/object/same-name-in-siblings", test_same_name_in_sibling_objects);
  g_test_add_func ("/canonical-json/text/structure", test_structure);
  g_test_add_func ("/canonical-json/text/invalid", test_invalid_text);
  g_test_add_func ("/canonical-json/node/error-leaves-output", test_error_leaves_output);
  g_test_add_func ("/canonical-json/node/immutable", test_immutable_nodes);
  g_test_add_func ("/canonical-json/locale", test_locale);
  /* Timing prints a figure; it is registered only under -m perf. */
  if (g_test_perf ())
    g_test_add_func ("/canonical-json/performance", test_performance);

  return g_test_run ();
}
