/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The flat JSON document events keep their payload in: the values and
 * the order the parser records, the walk over children, typed member
 * access, duplicate names in large objects, and the copies to and from
 * json-glib trees. */

#include <string.h>

#include "tn-canonical-json.h"
#include "tn-error.h"
#include "tn-json-doc.h"
#include "tn-json-strict.h"

static TnJsonDoc *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  TnJsonDoc *doc = tn_json_doc_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  return doc;
}

static void
test_values (void)
{
  g_autoptr(TnJsonDoc) doc = parse_ok (
      " {\"s\":\"a\\u00e9\\ud83d\\ude00\\n\",\"i\":-9223372036854775808,"
      "\"big\":9223372036854775808,\"f\":1.5e2,\"t\":true,\"n\":null,"
      "\"a\":[1,[2,3],{}],\"o\":{\"x\":false}} ");
  const TnJsonValue *root = tn_json_doc_get_root (doc);
  const TnJsonValue *a, *inner, *child;

  g_assert_cmpint (root->kind, ==, TN_JSON_OBJECT);
  g_assert_cmpuint (root->length, ==, 8);
  /* Every value of the subtree follows the root. */
  g_assert_cmpuint (root->size, ==, 1 + 8 + 5 + 1);

  g_assert_cmpstr (tn_json_value_get_string (root, "s"), ==, "a\xc3\xa9\xf0\x9f\x98\x80\n");
  g_assert_cmpuint (tn_json_value_member (root, "s")->length, ==, 8);
  g_assert_cmpint (tn_json_value_get_int (root, "i", 0), ==, G_MININT64);
  /* Integers of up to 18 digits are added up by the scanner itself. */
  {
    g_autoptr(TnJsonDoc) ints = parse_ok ("[0,-0,7,-42,999999999999999999,-123456789012345678,"
                                          "9223372036854775807,1000000000000000000]");
    const gint64 expected[] = { 0, 0, 7, -42, G_GINT64_CONSTANT (999999999999999999),
                                G_GINT64_CONSTANT (-123456789012345678), G_MAXINT64,
                                G_GINT64_CONSTANT (1000000000000000000) };
    const TnJsonValue *ints_root = tn_json_doc_get_root (ints);
    guint i = 0;

    tn_json_value_foreach (element, ints_root)
      {
        g_assert_cmpint (element->kind, ==, TN_JSON_INT);
        g_assert_cmpint (element->integer, ==, expected[i]);
        i++;
      }
    g_assert_cmpuint (i, ==, G_N_ELEMENTS (expected));
  }
  /* Beyond gint64: a double, as a JavaScript reader sees it. */
  g_assert_cmpint (tn_json_value_member (root, "big")->kind, ==, TN_JSON_DOUBLE);
  g_assert_cmpint (tn_json_value_get_int (root, "big", 7), ==, 7);
  g_assert_cmpfloat (tn_json_value_member (root, "f")->number, ==, 150.0);
  g_assert_true (tn_json_value_get_boolean (root, "t", FALSE));
  g_assert_cmpint (tn_json_value_member (root, "n")->kind, ==, TN_JSON_NULL);
  g_assert_false (tn_json_value_get_boolean (tn_json_value_get_object (root, "o"), "x", TRUE));

  /* Typed readers answer the default for a member of another kind. */
  g_assert_null (tn_json_value_get_string (root, "i"));
  g_assert_null (tn_json_value_get_object (root, "a"));
  g_assert_null (tn_json_value_get_array (root, "o"));
  g_assert_null (tn_json_value_member (root, "missing"));
  g_assert_null (tn_json_value_member (NULL, "s"));
  g_assert_null (tn_json_value_member (tn_json_value_member (root, "s"), "s"));

  /* Children in document order, nested containers skipped whole. */
  a = tn_json_value_get_array (root, "a");
  g_assert_cmpuint (a->length, ==, 3);
  child = tn_json_value_first (a);
  g_assert_cmpint (child->integer, ==, 1);
  g_assert_null (child->name);
  inner = tn_json_value_next (a, child);
  g_assert_cmpint (inner->kind, ==, TN_JSON_ARRAY);
  g_assert_cmpint (tn_json_value_first (inner)->integer, ==, 2);
  g_assert_cmpint (tn_json_value_next (inner, tn_json_value_first (inner))->integer, ==, 3);
  g_assert_null (tn_json_value_next (inner, tn_json_value_next (inner, tn_json_value_first (inner))));
  child = tn_json_value_next (a, inner);
  g_assert_cmpint (child->kind, ==, TN_JSON_OBJECT);
  g_assert_null (tn_json_value_first (child));
  g_assert_null (tn_json_value_next (a, child));
  g_assert_null (tn_json_value_first (tn_json_value_member (root, "t")));

  {
    const char *names[] = { "s", "i", "big", "f", "t", "n", "a", "o" };
    guint n = 0;

    tn_json_value_foreach (member, root)
      g_assert_cmpstr (member->name, ==, names[n++]);
    g_assert_cmpuint (n, ==, G_N_ELEMENTS (names));
  }
}

static void
test_refused (void)
{
  static const char *bad[] = {
    "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "[1] [2]", "\"\\u0000\"",
    "\"\\ud800\"", "\"\\udc00\"", "{\"a\":1,\"a\":2}", "\"\x01\"", "nul", "[\"\xff\"]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TnJsonDoc) doc = tn_json_doc_parse (bad[i], -1, &error);
      g_autofree char *shown = g_strescape (bad[i], NULL);

      g_test_message ("%s", shown);
      g_assert_null (doc);
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
    }
}

/* Past 32 members the parser checks names with a hash table: the same
 * verdicts either way, wherever the duplicate sits. */
static void
test_many_members (void)
{
  for (guint n = 30; n <= 70; n += 20)
    for (guint dup = 0; dup <= n; dup += n / 2)
      {
        g_autoptr(GString) text = g_string_new ("{");
        g_autoptr(GError) error = NULL;
        g_autoptr(TnJsonDoc) doc = NULL;

        for (guint i = 0; i < n; i++)
          g_string_append_printf (text, "%s\"m%u\":%u", i ? "," : "", i, i);
        if (dup < n)
          g_string_append_printf (text, ",\"m%u\":0", dup);
        g_string_append_c (text, '}');

        doc = tn_json_doc_parse (text->str, text->len, &error);
        if (dup < n)
          {
            g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
            g_assert_nonnull (strstr (error->message, "two members"));
          }
        else
          {
            g_assert_no_error (error);
            g_assert_cmpuint (tn_json_doc_get_root (doc)->length, ==, n);
            g_assert_cmpint (tn_json_value_get_int (tn_json_doc_get_root (doc), "m29", -1), ==, 29);
          }
      }
}

/* Member lookups compare the names' first 8 bytes as integers: names
 * that share them, are exactly 8 bytes long or are prefixes of another
 * still find their own member, in a parsed document and in a copy of a
 * json-glib tree alike. */
static void
test_member_names (void)
{
  static const char *const names[] = {
    "", "tax", "tax_bp", "tax_inclusive", "subtotal", "subtotals", "customer_id",
    "customer_ix", "customer", "caf\\u00e9", "\\ud83d\\ude00", "z",
  };
  static const char *const absent[] = {
    "ta", "tax_", "subtota", "subtotalz", "customer_i", "customer_idx", "customers", "zz",
  };
  g_autoptr(GString) text = g_string_new ("{");
  g_autoptr(TnJsonDoc) doc = NULL;
  g_autoptr(TnJsonDoc) copy = NULL;
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_string_append_printf (text, "%s\"%s\":%u", i ? "," : "", names[i], i);
  g_string_append_c (text, '}');
  doc = parse_ok (text->str);
  node = tn_json_value_to_node (tn_json_doc_get_root (doc));
  copy = tn_json_doc_new_from_node (node, NULL);
  g_assert_nonnull (copy);

  for (guint d = 0; d < 2; d++)
    {
      const TnJsonValue *root = tn_json_doc_get_root (d == 0 ? doc : copy);

      g_assert_cmpint (tn_json_value_get_int (root, "", -1), ==, 0);
      g_assert_cmpint (tn_json_value_get_int (root, "tax", -1), ==, 1);
      g_assert_cmpint (tn_json_value_get_int (root, "tax_bp", -1), ==, 2);
      g_assert_cmpint (tn_json_value_get_int (root, "tax_inclusive", -1), ==, 3);
      g_assert_cmpint (tn_json_value_get_int (root, "subtotal", -1), ==, 4);
      g_assert_cmpint (tn_json_value_get_int (root, "subtotals", -1), ==, 5);
      g_assert_cmpint (tn_json_value_get_int (root, "customer_id", -1), ==, 6);
      g_assert_cmpint (tn_json_value_get_int (root, "customer_ix", -1), ==, 7);
      g_assert_cmpint (tn_json_value_get_int (root, "customer", -1), ==, 8);
      g_assert_cmpint (tn_json_value_get_int (root, "caf\xc3\xa9", -1), ==, 9);
      g_assert_cmpint (tn_json_value_get_int (root, "\xf0\x9f\x98\x80", -1), ==, 10);
      g_assert_cmpint (tn_json_value_get_int (root, "z", -1), ==, 11);
      for (guint i = 0; i < G_N_ELEMENTS (absent); i++)
        g_assert_null (tn_json_value_member (root, absent[i]));
    }
}

/* A repeated name is refused whether the names before it were in
 * canonical order or not, and whether it repeats the last name or an
 * earlier one that shares its first 8 bytes with others. */
static void
test_repeated_names (void)
{
  static const char *const refused[] = {
    "{\"a\":1,\"a\":2}",
    "{\"a\":1,\"b\":2,\"a\":3}",
    "{\"customer_id\":1,\"customer_ix\":2,\"customer_id\":3}",
    "{\"b\":1,\"a\":2,\"c\":3,\"a\":4}",
    "{\"subtotal\":1,\"subtotals\":2,\"subtotal\":3}",
  };
  static const char *const accepted[] = {
    "{\"customer_id\":1,\"customer_ix\":2,\"customer\":3}",
    "{\"subtotals\":1,\"subtotal\":2}",
    "{\"b\":1,\"a\":2,\"c\":3}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TnJsonDoc) doc = tn_json_doc_parse (refused[i], -1, &error);

      g_assert_null (doc);
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "two members"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(TnJsonDoc) doc = parse_ok (accepted[i]);

      g_assert_cmpuint (tn_json_doc_get_root (doc)->length, ==, 3 - (i == 1));
    }
}

/* The parser skips ASCII a word at a time before it checks UTF-8: on
 * texts that mix ASCII, NUL, good and bad sequences at every offset, it
 * refuses exactly what g_utf8_validate () refuses, and points at the
 * same place. */
static void
test_utf8_like_glib (void)
{
  static const char *const pieces[] = {
    "a", "\"", "{", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xe2\x82\xac", "\xc3", "\x80",
    "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\x7f", "", "12345678",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (8785);

  for (guint i = 0; i < 4000; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(TnJsonDoc) doc = NULL;
      guint n = g_rand_int_range (rand, 0, 24);
      const char *bad = NULL;
      gboolean valid;

      for (guint k = 0; k < n; k++)
        {
          guint piece = g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces));

          /* "" stands for a NUL byte, which only an explicit length carries. */
          if (*pieces[piece] == '\0')
            g_string_append_c (text, '\0');
          else
            g_string_append (text, pieces[piece]);
        }
      valid = g_utf8_validate (text->str, text->len, &bad);
      doc = tn_json_doc_parse (text->str, text->len, &error);
      if (valid)
        {
          g_assert_true (doc != NULL || strstr (error->message, "UTF-8") == NULL);
        }
      else
        {
          g_autofree char *expected = NULL;
          guint column = 1;

          for (const char *q = text->str; q < bad; q++)
            if (((guchar) *q & 0xc0) != 0x80)
              column++;
          expected = g_strdup_printf ("Invalid JSON at line 1, column %u: "
                                      "the text is not valid UTF-8", column);
          g_assert_null (doc);
          g_assert_cmpstr (error->message, ==, expected);
        }
    }
}

/* Escapes, raw UTF-8 and control characters at every offset of a string
 * decode to the text they stand for (or are refused). */
static void
test_string_offsets (void)
{
  static const struct { const char *json; const char *text; } pieces[] = {
    { "a", "a" }, { "0123456789", "0123456789" }, { "\\n", "\n" }, { "\\\"", "\"" },
    { "\\\\", "\\" }, { "\\u00e9", "\xc3\xa9" }, { "\\ud83d\\ude00", "\xf0\x9f\x98\x80" },
    { "\xc3\xa9", "\xc3\xa9" }, { "\\/", "/" }, { " ", " " }, { "\x7f", "\x7f" },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (1347);

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(GString) json = g_string_new ("\"");
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(TnJsonDoc) doc = NULL;
      g_autoptr(GError) error = NULL;
      guint n = g_rand_int_range (rand, 0, 12);
      /* Sometimes a raw control character before piece @control - 1,
       * which must be refused. */
      guint control = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 1, n + 2) : 0;

      for (guint k = 0; k <= n; k++)
        {
          guint piece = g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces));

          if (control == k + 1)
            g_string_append_c (json, '\t');
          if (k == n)
            break;
          g_string_append (json, pieces[piece].json);
          g_string_append (text, pieces[piece].text);
        }
      g_string_append_c (json, '"');

      doc = tn_json_doc_parse (json->str, json->len, &error);
      if (control > 0)
        {
          g_assert_null (doc);
          g_assert_nonnull (strstr (error->message, "control character U+0009"));
        }
      else
        {
          g_assert_no_error (error);
          g_assert_cmpstr (tn_json_doc_get_root (doc)->string, ==, text->str);
        }
    }
}

/* To a json-glib tree and back: same values, same member order, same
 * canonical form. */
static void
test_node_round_trip (void)
{
  const char *text = "{\"z\":[1,-2.5,\"x\\\"y\",null,true],\"a\":{\"k\":{}},\"m\":\"\"}";
  g_autoptr(TnJsonDoc) doc = parse_ok (text);
  g_autoptr(JsonNode) node = tn_json_value_to_node (tn_json_doc_get_root (doc));
  g_autoptr(TnJsonDoc) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *from_doc = NULL;
  g_autofree char *from_node = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *names[] = { "z", "a", "m" };
  guint n = 0;

  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "m"), ==, "");
  back = tn_json_doc_new_from_node (node, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tn_json_doc_get_root (back)->size, ==, tn_json_doc_get_root (doc)->size);
  tn_json_value_foreach (member, tn_json_doc_get_root (back))
    g_assert_cmpstr (member->name, ==, names[n++]);

  g_assert_true (tn_canonical_json_append_value (tn_json_doc_get_root (back), out, &error));
  from_doc = tn_canonical_json_from_text (text, -1, &error);
  g_assert_no_error (error);
  from_node = tn_canonical_json_to_string (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out->str, ==, from_doc);
  g_assert_cmpstr (from_node, ==, from_doc);
  g_assert_cmpstr (from_doc, ==, "{\"a\":{\"k\":{}},\"m\":\"\",\"z\":[1,-2.5,\"x\\\"y\",null,true]}");

  /* The strict parser's tree is the document's copy. */
  {
    g_autoptr(JsonNode) strict = tn_json_parse_strict (text, -1, &error);

    g_assert_no_error (error);
    g_assert_true (json_node_equal (strict, node));
  }
}

/* A document outlives nothing it points into: the text it came from
 * can go, and a reference keeps every value. */
static void
test_lifetime (void)
{
  g_autofree char *text = g_strdup ("{\"events\":[{\"sku\":\"A\\tB\"}]}");
  TnJsonDoc *doc = parse_ok (text);
  const TnJsonValue *event;
  TnJsonDoc *kept = tn_json_doc_ref (doc);

  memset (text, 'x', strlen (text));
  tn_json_doc_unref (doc);
  event = tn_json_value_first (tn_json_value_get_array (tn_json_doc_get_root (kept), "events"));
  g_assert_cmpstr (tn_json_value_get_string (event, "sku"), ==, "A\tB");
  tn_json_doc_unref (kept);
}

/* Canonical text ----------------------------------------------------- */

/* Every container marked canonical writes back as its own text; returns
 * how many are marked. */
static guint
assert_marks_sound (TnJsonDoc *doc)
{
  const TnJsonValue *root = tn_json_doc_get_root (doc);
  guint marked = 0;

  for (guint32 i = 0; i < root->size; i++)
    {
      gsize length = 0;
      const char *text = tn_json_doc_canonical_text (doc, root + i, &length);
      g_autoptr(GString) written = NULL;

      if (text == NULL)
        continue;
      written = g_string_new (NULL);
      g_assert_true (tn_canonical_json_append_value (root + i, written, NULL));
      g_assert_cmpmem (written->str, written->len, text, length);
      marked++;
    }
  return marked;
}

static gboolean
root_marked (const char *text)
{
  g_autoptr(TnJsonDoc) doc = parse_ok (text);
  gsize length = 0;
  const char *canonical = tn_json_doc_canonical_text (doc, tn_json_doc_get_root (doc), &length);

  assert_marks_sound (doc);
  if (canonical != NULL)
    g_assert_cmpmem (canonical, length, text, strlen (text));
  return canonical != NULL;
}

static void
test_canonical_text (void)
{
  static const char *const canonical[] = {
    "{}", "[]", "[[],{}]",
    "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\\n\\u001f\\\"\\\\\xc3\xa9/\x7f\"}}",
    "[-1,0,9007199254740992,-9007199254740992]",
    /* UTF-16 order: U+10000 sorts before U+E000. */
    "{\"\xf0\x90\x80\x80\":1,\"\xee\x80\x80\":2}",
    "[\"\\b\\f\\n\\r\\t\\u0001x\"]",
  };
  static const char *const not_canonical[] = {
    "[1 ]", "[ 1]", "{\"a\": 1}", "{\"a\" :1}", "{\"b\":1,\"a\":2}",
    "{\"\xee\x80\x80\":2,\"\xf0\x90\x80\x80\":1}",
    "[\"\\/\"]", "[\"\\u0041\"]", "[\"\\u001F\"]", "[\"\\u000a\"]", "[\"\\u00e9\"]",
    "[-0]", "[1.0]", "[1e2]", "[9007199254740993]", "[12345678901234567890]",
    "[\"\\ud83d\\ude00\"]",
  };
  g_autoptr(TnJsonDoc) mixed = NULL;
  const TnJsonValue *root, *inner, *scalar;
  gsize length = 0;

  for (guint i = 0; i < G_N_ELEMENTS (canonical); i++)
    if (!root_marked (canonical[i]))
      g_error ("not marked canonical: %s", canonical[i]);
  for (guint i = 0; i < G_N_ELEMENTS (not_canonical); i++)
    if (root_marked (not_canonical[i]))
      g_error ("marked canonical: %s", not_canonical[i]);

  /* Around a value does not count; inside its parent it does, and a
   * sound sibling keeps its mark. */
  mixed = parse_ok (" [1] ");
  g_assert_cmpmem (tn_json_doc_canonical_text (mixed, tn_json_doc_get_root (mixed), &length),
                   length, "[1]", 3);
  g_clear_pointer (&mixed, tn_json_doc_unref);
  mixed = parse_ok ("{\"a\":{\"x\":[1,2]},\"b\":{\"y\": 2}}");
  root = tn_json_doc_get_root (mixed);
  g_assert_null (tn_json_doc_canonical_text (mixed, root, &length));
  inner = tn_json_value_get_object (root, "a");
  g_assert_cmpmem (tn_json_doc_canonical_text (mixed, inner, &length), length,
                   "{\"x\":[1,2]}", 11);
  g_assert_null (tn_json_doc_canonical_text (mixed, tn_json_value_get_object (root, "b"),
                                             &length));
  /* Scalars are not tracked. */
  scalar = tn_json_value_first (tn_json_value_first (inner));
  g_assert_cmpint (scalar->kind, ==, TN_JSON_INT);
  g_assert_null (tn_json_doc_canonical_text (mixed, scalar, &length));
  g_assert_cmpuint (assert_marks_sound (mixed), ==, 2);
  g_clear_pointer (&mixed, tn_json_doc_unref);

  /* A document copied from json-glib has no text. */
  {
    g_autoptr(JsonNode) node = json_from_string ("{\"a\":1}", NULL);

    mixed = tn_json_doc_new_from_node (node, NULL);
    g_assert_nonnull (mixed);
    g_assert_null (tn_json_doc_canonical_text (mixed, tn_json_doc_get_root (mixed), &length));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-doc/values", test_values);
  g_test_add_func ("/json-doc/refused", test_refused);
  g_test_add_func ("/json-doc/many-members", test_many_members);
  g_test_add_func ("/json-doc/member-names", test_member_names);
  g_test_add_func ("/json-doc/repeated-names", test_repeated_names);
  g_test_add_func ("/json-doc/utf8-like-glib", test_utf8_like_glib);
  g_test_add_func ("/json-doc/string-offsets", test_string_offsets);
  g_test_add_func ("/json-doc/node-round-trip", test_node_round_trip);
  g_test_add_func ("/json-doc/lifetime", test_lifetime);
  g_test_add_func ("/json-doc/canonical-text", test_canonical_text);

  return g_test_run ();
}
