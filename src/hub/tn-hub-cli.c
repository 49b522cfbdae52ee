/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-hub-cli.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <inttypes.h>
#include <string.h>

#include "tn-event.h"
#include "tn-hub-db.h"
#include "tn-hub-error.h"
#include "tn-hub-keys.h"
#include "tn-hub-products.h"
#include "tn-hub-server.h"
#include "tn-money.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_WORKERS 4

typedef struct
{
  char *db;
  char *listen;
  char *migrations_dir;
  int   workers;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->db);
  g_free (options->listen);
  g_free (options->migrations_dir);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static int
fail (const GError *error)
{
  g_printerr ("tendero-hub: %s\n", error->message);
  return 1;
}

static int
usage_error (const char *message)
{
  g_printerr ("tendero-hub: %s\n%s\n", message, _("Run “tendero-hub --help” for usage."));
  return 2;
}

/* The installed migrations, or the source tree's when running from the
 * build directory. */
static const char *
default_migrations_dir (void)
{
  if (g_file_test (TN_HUB_MIGRATIONS_DIR, G_FILE_TEST_IS_DIR))
    return TN_HUB_MIGRATIONS_DIR;
  return TN_HUB_SOURCE_MIGRATIONS_DIR;
}

static TnHubDb *
connect_and_migrate (Options  *options,
                     GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  TnHubDb *db = tn_hub_db_connect (options->db, error);
  guint applied = 0;
  const char *dir = options->migrations_dir ? options->migrations_dir
                                            : default_migrations_dir ();

  if (db == NULL)
    return NULL;
  if (!tn_hub_db_migrate (db, dir, &applied, error))
    {
      tn_hub_db_free (db);
      return NULL;
    }
  if (applied > 0)
    g_message (_("Applied %u database migration(s) from %s"), applied, dir);
  return db;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static int
cmd_serve (Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TnHubServer) server = NULL;
  TnHubDb *db = connect_and_migrate (options, &error);

  if (db == NULL)
    return fail (error);
  tn_hub_db_free (db);

  server = tn_hub_server_new (options->db, (guint) options->workers);
  if (!tn_hub_server_listen (server, options->listen, &error))
    return fail (error);
  g_message (_("tendero-hub listening on http://%s"), options->listen);

  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  g_message (_("tendero-hub stopping"));
  return 0;
}

static int
cmd_migrate (Options  *options,
             int       argc,
             char    **argv)
{
  g_autoptr(GError) error = NULL;
  TnHubDb *db;

  if (argc != 1)
    return usage_error (_("“migrate” takes no arguments"));
  db = connect_and_migrate (options, &error);
  if (db == NULL)
    return fail (error);
  tn_hub_db_free (db);
  return 0;
}

static gboolean
parse_sub_options (const char    *name,
                   GOptionEntry  *entries,
                   int           *argc,
                   char        ***argv,
                   GError       **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (name);

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, TRUE);
  return g_option_context_parse (context, argc, argv, error);
}

static int
cmd_keys (Options  *options,
          int       argc,
          char    **argv)
{
  g_autofree char *store = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_STRING, &store, N_("Store the key opens"), "STORE" },
    G_OPTION_ENTRY_NULL
  };
  TnHubDb *db;

  if (argc < 2 || strcmp (argv[1], "create") != 0)
    return usage_error (_("Use “keys create --store STORE”"));
  argc--, argv++;
  if (!parse_sub_options ("keys create", entries, &argc, &argv, &error))
    return usage_error (error->message);
  if (argc != 1)
    return usage_error (_("Unexpected argument after “keys create”"));
  if (store == NULL)
    return usage_error (_("“keys create” needs --store STORE"));
  if (!tn_validate_store_id (store, &error))
    return fail (error);

  db = connect_and_migrate (options, &error);
  if (db == NULL)
    return fail (error);
  key = tn_hub_keys_create (db, store, &error);
  tn_hub_db_free (db);
  if (key == NULL)
    return fail (error);
  g_print ("%s\n", key);
  g_printerr (_("This key is shown once: give it to store %s’s lanes now (tendero-ctl init "
                "--hub-key-file).\n"), store);
  return 0;
}

static int
cmd_product (Options  *options,
             int       argc,
             char    **argv)
{
  g_autofree char *store = NULL;
  g_autofree char *price = NULL;
  g_autofree char *tax = NULL;
  g_autofree char *answer = NULL;
  g_auto(TnHubProductChange) change = { 0 };
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_STRING, &store, N_("Store whose catalogue changes"), "STORE" },
    { "sku", 0, 0, G_OPTION_ARG_STRING, &change.sku, N_("Product code"), "SKU" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &change.name, N_("Product name"), "NAME" },
    { "price", 0, 0, G_OPTION_ARG_STRING, &price, N_("Price, like 1.50"), "PRICE" },
    { "tax", 0, 0, G_OPTION_ARG_STRING, &tax, N_("Tax percent, like 16"), "PERCENT" },
    { "barcode", 0, 0, G_OPTION_ARG_STRING, &change.barcode, N_("Barcode"), "CODE" },
    G_OPTION_ENTRY_NULL
  };
  TnHubDb *db;

  if (argc < 2 || strcmp (argv[1], "set") != 0)
    return usage_error (_("Use “product set --store STORE --sku SKU [--name NAME] "
                          "[--price 1.50] [--tax 16] [--barcode CODE]”"));
  argc--, argv++;
  if (!parse_sub_options ("product set", entries, &argc, &argv, &error))
    return usage_error (error->message);
  if (argc != 1)
    return usage_error (_("Unexpected argument after “product set”"));
  if (store == NULL || change.sku == NULL)
    return usage_error (_("“product set” needs --store STORE and --sku SKU"));
  if (!tn_validate_store_id (store, &error))
    return fail (error);
  if (price != NULL)
    {
      if (!tn_money_parse (price, 2, FALSE, &change.price, &error))
        return fail (error);
      change.has_price = TRUE;
    }
  if (tax != NULL)
    {
      if (!tn_tax_parse (tax, &change.tax_bp, &error))
        return fail (error);
      change.has_tax = TRUE;
    }

  db = connect_and_migrate (options, &error);
  if (db == NULL)
    return fail (error);
  answer = tn_hub_product_set (db, store, &change, &error);
  tn_hub_db_free (db);
  if (answer == NULL)
    return fail (error);
  g_print ("%s\n", answer);
  return 0;
}

int
tn_hub_cli_run (int    argc,
                char **argv)
{
  g_auto(Options) options = { NULL, NULL, NULL, DEFAULT_WORKERS };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &options.db,
      N_("PostgreSQL database (required)"), "postgresql://USER@HOST/DB" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &options.listen,
      N_("Address to serve on (default 127.0.0.1:8080)"), "HOST:PORT" },
    { "migrations-dir", 0, 0, G_OPTION_ARG_FILENAME, &options.migrations_dir,
      N_("Directory of the SQL migrations (default: the installed ones)"), "DIR" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &options.workers,
      N_("Database worker threads, one connection each (default 4)"), "N" },
    G_OPTION_ENTRY_NULL
  };

  context = g_option_context_new (_("[COMMAND] — the Tendero hub"));
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _(
      "tendero-hub is the cloud service of a Tendero chain: lanes upload their events to it,\n"
      "pull head-office changes and new lanes' history from it, and get fiscal number\n"
      "blocks from it.  It keeps nothing itself: run several on one PostgreSQL database.\n"
      "\n"
      "Commands:\n"
      "  (none)                  serve the HTTP API (migrating the database first)\n"
      "  migrate                 apply the database migrations and exit\n"
      "  keys create --store S   create an API key for store S and print it once\n"
      "  product set --store S --sku SKU [--name N] [--price 1.50] [--tax 16] [--barcode B]\n"
      "                          create or change a product for every lane of store S"));
  g_option_context_set_description (context, _(
      "HTTP API (JSON; Authorization: Bearer KEY):\n"
      "  POST /v1/stores/S/events:batch        upload events (gzip accepted)\n"
      "  GET  /v1/stores/S/vv                  the hub's version vector\n"
      "  GET  /v1/stores/S/events?origin=O&after=N&limit=L\n"
      "  GET  /v1/stores/S/events/rejections   events refused by validation\n"
      "  POST /v1/stores/S/fiscal/blocks       {\"device\": \"L2\"[, \"replica\": UUID]}\n"
      "  POST /v1/stores/S/products            {\"sku\", \"name\", \"price\", \"tax\", \"barcode\"}\n"
      "  GET  /healthz, GET /metrics\n"
      "\n"
      "Examples:\n"
      "  tendero-hub --db postgresql://tendero@db/tendero migrate\n"
      "  tendero-hub --db postgresql://tendero@db/tendero keys create --store downtown\n"
      "  tendero-hub --db postgresql://tendero@db/tendero --listen 0.0.0.0:8080\n"
      "\n"
      "Errors go to standard error and the exit status is not zero."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (options.db == NULL)
    return usage_error (_("No database given: use --db postgresql://USER@HOST/DB"));
  if (!tn_hub_db_check_conninfo (options.db, &error))
    return fail (error);
  if (options.listen == NULL)
    options.listen = g_strdup (DEFAULT_LISTEN);
  if (options.workers < 1 || options.workers > 64)
    return usage_error (_("--threads must be from 1 to 64"));

  if (argc < 2)
    return cmd_serve (&options);
  if (strcmp (argv[1], "migrate") == 0)
    return cmd_migrate (&options, argc - 1, argv + 1);
  if (strcmp (argv[1], "keys") == 0)
    return cmd_keys (&options, argc - 1, argv + 1);
  if (strcmp (argv[1], "product") == 0)
    return cmd_product (&options, argc - 1, argv + 1);
  {
    g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
    return usage_error (message);
  }
}
