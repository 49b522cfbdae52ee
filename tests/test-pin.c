/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include <glib.h>

#include "tn-error.h"
#include "tn-pin.h"

static char *
to_hex (const guint8 *data,
        gsize         len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);

  return g_string_free (s, FALSE);
}

static void
assert_pbkdf2 (const char   *password,
               gsize         password_len,
               const guint8 *salt,
               gsize         salt_len,
               guint         iterations,
               const char   *expected_hex)
{
  guint8 out[32];
  g_autofree char *hex = NULL;

  tn_pbkdf2_sha256 ((const guint8 *) password, password_len, salt, salt_len, iterations, out);
  hex = to_hex (out, sizeof out);
  g_assert_cmpstr (hex, ==, expected_hex);
}

/* RFC 7914 §11, the PBKDF2-HMAC-SHA256 vector: P = "passwd", S = "salt",
 * c = 1, dkLen = 64; with dkLen = 32 the output is the first 32 bytes. */
static void
test_pbkdf2_rfc7914 (void)
{
  assert_pbkdf2 ("passwd", 6, (const guint8 *) "salt", 4, 1,
                 "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
}

static void
test_pbkdf2_vectors (void)
{
  static const guint8 sixteen[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
  g_autofree char *block = g_strnfill (64, 'A');
  g_autofree char *longer = g_strnfill (65, 'A');

  /* the widely published c = 4096 vector */
  assert_pbkdf2 ("password", 8, (const guint8 *) "salt", 4, 4096,
                 "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");

  /* The rest were computed with Python's hashlib.pbkdf2_hmac (OpenSSL). */
  assert_pbkdf2 ("password", 8, (const guint8 *) "salt", 4, 1,
                 "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  assert_pbkdf2 ("password", 8, (const guint8 *) "salt", 4, 2,
                 "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
  /* a key of exactly one block is used as is, a longer one hashed */
  assert_pbkdf2 (block, 64, (const guint8 *) "salt", 4, 2,
                 "b3801ece32064b507056e093d2a711546d43c7979f60214b3d360a00132978e7");
  assert_pbkdf2 (longer, 65, (const guint8 *) "salt", 4, 2,
                 "af40553661a64a404a121e5ba0663d8a5b6900d77dd5bd90cf22dcbcf9ca475a");
  /* empty password, empty salt */
  assert_pbkdf2 (NULL, 0, (const guint8 *) "salt", 4, 1,
                 "f135c27993baf98773c5cdb40a5706ce6a345cde61b000a67858650cd6a324d7");
  assert_pbkdf2 ("1234", 4, NULL, 0, 1,
                 "2a6e83efc39d187fc0b35a2575ae705c41d5a9034ad854b4bf79ffbfcc7d58af");
  /* what tn_pin_hash() computes, at the default cost */
  assert_pbkdf2 ("1234", 4, sixteen, sizeof sixteen, TN_PIN_ITERATIONS,
                 "869e6c8350c5beb0acc399fbaac3b60d220433896b26a647734d0d8f1586e1fa");
}

/* Reports how long the default cost takes; see the summary for the
 * figures on the reference machine.  Not asserted: sanitizer and
 * valgrind runs are many times slower. */
static void
test_pbkdf2_timing (void)
{
  static const guint8 salt[16] = { 0 };
  guint8 out[32];
  gint64 best = G_MAXINT64;

  for (guint run = 0; run < 3; run++)
    {
      gint64 start = g_get_monotonic_time ();

      tn_pbkdf2_sha256 ((const guint8 *) "123456", 6, salt, sizeof salt, TN_PIN_ITERATIONS, out);
      best = MIN (best, g_get_monotonic_time () - start);
    }

  g_test_message ("PBKDF2-HMAC-SHA256, %u iterations: %.1f ms (best of 3)",
                  TN_PIN_ITERATIONS, best / 1000.0);
}

static void
test_validate (void)
{
  static const char *valid[] = { "0000", "1234", "000000", "123456789012", "9876543210" };
  static const char *invalid[] = {
    "", "1", "123", "1234567890123", "12a4", "abcd", " 1234", "1234 ", "12 34", "-1234",
    "+1234", "12.34", "1234\n", "١٢٣٤", "１２３４", "1234\xff",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (tn_pin_validate (valid[i], &error));
      g_assert_no_error (error);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tn_pin_validate (invalid[i], &error));
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, "A PIN is 4 to 12 digits");
    }

  /* and without an error to fill in */
  g_assert_false (tn_pin_validate ("12", NULL));
}

static void
test_round_trip (void)
{
  g_autofree char *encoded = tn_pin_hash ("4821", TN_PIN_ITERATIONS);
  g_auto(GStrv) fields = NULL;

  g_assert_nonnull (encoded);
  g_test_message ("%s", encoded);

  fields = g_strsplit (encoded, "$", -1);
  g_assert_cmpuint (g_strv_length (fields), ==, 4);
  g_assert_cmpstr (fields[0], ==, "pbkdf2-sha256");
  g_assert_cmpstr (fields[1], ==, "100000");
  g_assert_cmpuint (strlen (fields[2]), ==, 32);
  g_assert_cmpuint (strlen (fields[3]), ==, 64);

  g_assert_true (tn_pin_verify ("4821", encoded));

  g_assert_false (tn_pin_verify ("4822", encoded));
  g_assert_false (tn_pin_verify ("1284", encoded));
  g_assert_false (tn_pin_verify ("48210", encoded));
  g_assert_false (tn_pin_verify ("04821", encoded));
  g_assert_false (tn_pin_verify ("482", encoded));
  g_assert_false (tn_pin_verify ("", encoded));
  g_assert_false (tn_pin_verify ("4821 ", encoded));
}

static void
test_other_cost (void)
{
  g_autofree char *encoded = tn_pin_hash ("123456789012", 150000);

  g_assert_true (g_str_has_prefix (encoded, "pbkdf2-sha256$150000$"));
  g_assert_true (tn_pin_verify ("123456789012", encoded));
  g_assert_false (tn_pin_verify ("123456789011", encoded));
}

static void
test_salted (void)
{
  g_autofree char *first = tn_pin_hash ("1234", TN_PIN_ITERATIONS);
  g_autofree char *second = tn_pin_hash ("1234", TN_PIN_ITERATIONS);
  g_auto(GStrv) first_fields = g_strsplit (first, "$", -1);
  g_auto(GStrv) second_fields = g_strsplit (second, "$", -1);

  g_assert_cmpstr (first_fields[2], !=, second_fields[2]);
  g_assert_cmpstr (first_fields[3], !=, second_fields[3]);
  g_assert_true (tn_pin_verify ("1234", first));
  g_assert_true (tn_pin_verify ("1234", second));
}

/* An encoding with the given cost, made without tn_pin_hash() so that
 * costs it refuses to write can be tried too. */
static char *
encode_by_hand (const char *pin,
                guint       iterations)
{
  static const guint8 salt[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  g_autofree char *salt_hex = to_hex (salt, sizeof salt);
  g_autofree char *hash_hex = NULL;
  guint8 hash[32];

  tn_pbkdf2_sha256 ((const guint8 *) pin, strlen (pin), salt, sizeof salt, iterations, hash);
  hash_hex = to_hex (hash, sizeof hash);

  return g_strdup_printf ("pbkdf2-sha256$%u$%s$%s", iterations, salt_hex, hash_hex);
}

/* Flips one hex digit to another lowercase hex digit. */
static char *
flip_hex_digit (const char *encoded,
                gsize       pos)
{
  char *copy = g_strdup (encoded);

  copy[pos] = copy[pos] == '0' ? '1' : '0';
  return copy;
}

static void
test_tampered (void)
{
  g_autofree char *good = tn_pin_hash ("2468", TN_PIN_ITERATIONS);
  g_auto(GStrv) f = g_strsplit (good, "$", -1);
  gsize salt_pos = strlen ("pbkdf2-sha256$100000$");
  gsize hash_pos = salt_pos + 32 + 1;
  g_autofree char *by_hand = encode_by_hand ("2468", TN_PIN_ITERATIONS);
  g_autofree char *too_cheap = encode_by_hand ("2468", TN_PIN_ITERATIONS - 1);
  g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *upper_salt = g_ascii_strup (f[2], -1);
  g_autofree char *upper_hash = g_ascii_strup (f[3], -1);

  g_assert_true (tn_pin_verify ("2468", good));
  g_assert_true (tn_pin_verify ("2468", by_hand));
  /* a correct hash, but of a cost below the floor */
  g_assert_false (tn_pin_verify ("2468", too_cheap));

  /* one digit changed in the salt, the hash, the cost */
  g_ptr_array_add (bad, flip_hex_digit (good, salt_pos));
  g_ptr_array_add (bad, flip_hex_digit (good, salt_pos + 31));
  g_ptr_array_add (bad, flip_hex_digit (good, hash_pos));
  g_ptr_array_add (bad, flip_hex_digit (good, hash_pos + 63));
  g_ptr_array_add (bad, g_strdup_printf ("%s$100001$%s$%s", f[0], f[2], f[3]));

  /* well-formed in spirit, refused by the strict parser */
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s$%s", f[0], f[1], upper_salt, f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s$%s", f[0], f[1], f[2], upper_hash));
  g_ptr_array_add (bad, g_strdup_printf ("%s$0100000$%s$%s", f[0], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$+100000$%s$%s", f[0], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$ 100000$%s$%s", f[0], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$99999$%s$%s", f[0], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$10000001$%s$%s", f[0], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$4294967396$%s$%s", f[0], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$$%s$%s", f[0], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("pbkdf2-sha1$%s$%s$%s", f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("PBKDF2-SHA256$%s$%s$%s", f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%.30s$%s", f[0], f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s00$%s", f[0], f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s$%.62s", f[0], f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s$%s00", f[0], f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%.31sg$%s", f[0], f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s", f[0], f[1], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s$%s$", f[0], f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s$%s$%s$%s$x", f[0], f[1], f[2], f[3]));
  g_ptr_array_add (bad, g_strdup_printf ("%s\n", good));
  g_ptr_array_add (bad, g_strdup_printf (" %s", good));
  g_ptr_array_add (bad, g_strdup (""));
  g_ptr_array_add (bad, g_strdup ("$$$"));
  g_ptr_array_add (bad, g_strdup ("2468"));

  for (guint i = 0; i < bad->len; i++)
    {
      const char *encoded = g_ptr_array_index (bad, i);

      g_test_message ("tampered: “%s”", encoded);
      g_assert_false (tn_pin_verify ("2468", encoded));
    }

  g_assert_false (tn_pin_verify ("2468", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pin/pbkdf2/rfc7914", test_pbkdf2_rfc7914);
  g_test_add_func ("/pin/pbkdf2/vectors", test_pbkdf2_vectors);
  g_test_add_func ("/pin/pbkdf2/timing", test_pbkdf2_timing);
  g_test_add_func ("/pin/validate", test_validate);
  g_test_add_func ("/pin/round-trip", test_round_trip);
  g_test_add_func ("/pin/other-cost", test_other_cost);
  g_test_add_func ("/pin/salted", test_salted);
  g_test_add_func ("/pin/tampered", test_tampered);

  return g_test_run ();
}
