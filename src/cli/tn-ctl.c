/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <string.h>

#include "tn-error.h"
#include "tn-money.h"
#include "tn-operations.h"

/* The front door of tendero-ctl: global options, the command table, the
 * data directory, and the helpers every command shares. */

typedef struct
{
  const char       *group;      /* "product", or the command itself */
  const char       *name;       /* "add", or NULL for one-word commands */
  TnCtlCommandFunc  func;
  const char       *summary;
} TnCtlCommand;

static const TnCtlCommand commands[] = {
  { "init", NULL, tn_ctl_cmd_init, N_("Create a store in the data directory") },
  { "product", "add", tn_ctl_cmd_product_add, N_("Add a product to the catalogue") },
  { "product", "set-price", tn_ctl_cmd_product_set_price, N_("Change a product’s price") },
  { "product", "update", tn_ctl_cmd_product_update,
    N_("Change a product’s name, barcode, tax or active flag") },
  { "product", "list", tn_ctl_cmd_product_list, N_("List the catalogue with stock") },
  { "catalog", "import", tn_ctl_cmd_catalog_import, N_("Import a CSV catalogue") },
  { "employee", "add", tn_ctl_cmd_employee_add, N_("Add an employee with a PIN") },
  { "sell", NULL, tn_ctl_cmd_sell, N_("Record a sale") },
  { "void", NULL, tn_ctl_cmd_void, N_("Void a sale") },
  { "stock", "adjust", tn_ctl_cmd_stock_adjust, N_("Correct the stock of a product") },
  { "stock", "receive", tn_ctl_cmd_stock_receive, N_("Record goods received") },
  { "rate", "set", tn_ctl_cmd_rate_set, N_("Set the exchange rate of a second currency") },
  { "cash", "open", tn_ctl_cmd_cash_open, N_("Open the cash drawer session with a float") },
  { "cash", "in", tn_ctl_cmd_cash_in, N_("Put cash into the drawer") },
  { "cash", "out", tn_ctl_cmd_cash_out, N_("Take cash out of the drawer") },
  { "cash", "close", tn_ctl_cmd_cash_close, N_("Close the session and print the Z report") },
  { "status", NULL, tn_ctl_cmd_status, N_("Show replication, fiscal and alert status") },
  { "conflicts", "list", tn_ctl_cmd_conflicts_list, N_("List open conflicts") },
  { "conflicts", "resolve", tn_ctl_cmd_conflicts_resolve, N_("Resolve a conflict") },
  { "deadletters", "list", tn_ctl_cmd_deadletters_list,
    N_("List the events the hub refused, with its reason") },
  { "fiscal", "verify", tn_ctl_cmd_fiscal_verify, N_("Check the fiscal document chains") },
  { "fiscal", "grant", tn_ctl_cmd_fiscal_grant,
    N_("Grant a block of fiscal numbers to a device (fiscal authority only)") },
  { "export", "sales", tn_ctl_cmd_export_sales, N_("Export sales as CSV or JSON") },
  { "tls", "fingerprint", tn_ctl_cmd_tls_fingerprint,
    N_("Print a certificate’s SHA-256 fingerprint, to pin it on other lanes") },
};

G_DEFINE_QUARK (tn-ctl-error-quark, tn_ctl_error)

/* Helpers ------------------------------------------------------------------ */

static void
tn_ctl_clear (TnCtl *ctl)
{
  g_clear_pointer (&ctl->data_dir, g_free);
  g_clear_pointer (&ctl->command, g_free);
  g_clear_pointer (&ctl->config, tn_config_free);
  g_clear_object (&ctl->store);
}

gboolean
tn_ctl_usage_error (GError     **error,
                    const char  *format,
                    ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (TN_CTL_ERROR, TN_CTL_ERROR_USAGE,
                                                format, args));
  va_end (args);
  return FALSE;
}

gboolean
tn_ctl_require (const char  *value,
                const char  *option,
                GError     **error)
{
  if (value != NULL)
    return TRUE;
  return tn_ctl_usage_error (error, _("The option %s is required"), option);
}

gboolean
tn_ctl_option_value_error (GError     **error,
                           const char  *option,
                           GError      *parse_error)
{
  tn_ctl_usage_error (error, _("Invalid %s: %s"), option, parse_error->message);
  g_error_free (parse_error);
  return FALSE;
}

gboolean
tn_ctl_parse_money (TnCtl       *ctl,
                    const char  *option,
                    const char  *text,
                    gboolean     allow_negative,
                    gint64      *out,
                    GError     **error)
{
  GError *parse_error = NULL;
  guint decimals = tn_store_get_decimals (ctl->store);
  g_autofree char *example = NULL;

  example = tn_money_format (150, decimals);
  if (tn_money_parse (text, decimals, allow_negative, out, &parse_error))
    {
      /* Within what an event may carry, or validation would refuse the
       * command with a message about event fields. */
      if (*out <= TN_AMOUNT_MAX && *out >= -TN_AMOUNT_MAX)
        return TRUE;
      return tn_ctl_usage_error (error, _("Invalid %s: “%s” is too large for an amount "
                                          "(amounts look like %s)"), option, text, example);
    }
  /* Every message shows what an amount looks like. */
  if (strstr (parse_error->message, example) == NULL)
    {
      tn_ctl_usage_error (error, _("Invalid %s: %s (amounts look like %s)"), option,
                          parse_error->message, example);
      g_error_free (parse_error);
      return FALSE;
    }
  return tn_ctl_option_value_error (error, option, parse_error);
}

gboolean
tn_ctl_parse_quantity (const char  *option,
                       const char  *text,
                       gboolean     allow_negative,
                       gint64      *out,
                       GError     **error)
{
  GError *parse_error = NULL;

  if (!tn_quantity_parse (text, allow_negative, out, &parse_error))
    return tn_ctl_option_value_error (error, option, parse_error);
  /* Within what an event may carry (see tn_ctl_parse_money ()). */
  if (*out > TN_AMOUNT_MAX || *out < -TN_AMOUNT_MAX)
    return tn_ctl_usage_error (error, _("Invalid %s: “%s” is too large for a quantity"),
                               option, text);
  return TRUE;
}

gboolean
tn_ctl_parse_tax (const char  *option,
                  const char  *text,
                  gint        *out,
                  GError     **error)
{
  GError *parse_error = NULL;

  if (!tn_tax_parse (text, out, &parse_error))
    return tn_ctl_option_value_error (error, option, parse_error);
  return TRUE;
}

gboolean
tn_ctl_check_pin (TnCtl       *ctl,
                  const char  *pin,
                  gboolean     need_manager,
                  char       **out_employee,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *out_employee = NULL;
  if (pin == NULL)
    return TRUE;
  *out_employee = tn_store_check_pin (ctl->store, pin, need_manager, &local_error);
  if (*out_employee != NULL)
    return TRUE;
  if (local_error == NULL || g_error_matches (local_error, TN_ERROR, TN_ERROR_PERMISSION))
    g_set_error_literal (error, TN_ERROR, TN_ERROR_PERMISSION,
                         need_manager
                         ? _("That PIN does not belong to an active manager: nothing was changed")
                         : _("That PIN does not belong to an active employee: nothing was changed"));
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
tn_ctl_explain_sku_error (TnCtl       *ctl,
                          const char  *sku,
                          GError     **error,
                          GError      *model_error)
{
  if (g_error_matches (model_error, TN_ERROR, TN_ERROR_NOT_FOUND) && sku != NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                   _("No product with SKU “%s”. Check the SKU, or list products with "
                     "“tendero-ctl --data-dir %s product list”."),
                   sku, ctl->data_dir);
      g_error_free (model_error);
    }
  else
    g_propagate_error (error, model_error);
  return FALSE;
}

char *
tn_ctl_format_money (TnCtl  *ctl,
                     gint64  minor)
{
  return tn_money_format (minor, tn_store_get_decimals (ctl->store));
}

char *
tn_ctl_format_tax (gint tax_bp)
{
  if (tax_bp % 100 == 0)
    return g_strdup_printf ("%d", tax_bp / 100);
  if (tax_bp % 10 == 0)
    return g_strdup_printf ("%d.%d", tax_bp / 100, (tax_bp % 100) / 10);
  return g_strdup_printf ("%d.%02d", tax_bp / 100, tax_bp % 100);
}

void
tn_ctl_print_table (GPtrArray *rows)
{
  g_autoptr(GArray) widths = g_array_new (FALSE, TRUE, sizeof (glong));

  for (guint r = 0; r < rows->len; r++)
    {
      GStrv cells = rows->pdata[r];

      for (guint c = 0; cells[c] != NULL; c++)
        {
          glong width = g_utf8_strlen (cells[c], -1);

          if (c >= widths->len)
            g_array_set_size (widths, c + 1);
          g_array_index (widths, glong, c) = MAX (g_array_index (widths, glong, c), width);
        }
    }

  for (guint r = 0; r < rows->len; r++)
    {
      GStrv cells = rows->pdata[r];
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; cells[c] != NULL; c++)
        {
          if (c > 0)
            g_string_append (line, "  ");
          g_string_append (line, cells[c]);
          if (cells[c + 1] != NULL)
            for (glong pad = g_utf8_strlen (cells[c], -1);
                 pad < g_array_index (widths, glong, c); pad++)
              g_string_append_c (line, ' ');
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_print ("%s\n", line->str);
    }
}

void
tn_ctl_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

char *
tn_ctl_format_hlc_time (guint64 hlc)
{
  gint64 ms = TN_HLC_MS (hlc);
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *seconds = NULL;

  if (time == NULL)
    return g_strdup ("");
  seconds = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", seconds, (int) (ms % 1000));
}

/* Options and the data directory ------------------------------------------- */

gboolean
tn_ctl_parse_options (TnCtl               *ctl,
                      const GOptionEntry  *entries,
                      const char          *parameter_string,
                      const char          *summary,
                      int                 *argc,
                      char              ***argv,
                      int                  max_args,
                      GError             **error)
{
  g_autofree char *data_dir = NULL;
  const GOptionEntry data_dir_entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("The lane’s data directory (default: $TENDERO_DATA_DIR)"), N_("DIR") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *parameters = g_strdup_printf ("%s%s%s", ctl->command,
                                                 parameter_string ? " " : "",
                                                 parameter_string ? parameter_string : "");
  g_autoptr(GError) local_error = NULL;

  context = g_option_context_new (parameters);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (summary != NULL)
    g_option_context_set_summary (context, _(summary));
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, data_dir_entries, GETTEXT_PACKAGE);

  /* GOption would only say "Invalid byte sequence in conversion input":
   * name the option whose value is not text. */
  for (int i = 1; i < *argc; i++)
    if (!g_utf8_validate ((*argv)[i], -1, NULL))
      {
        const char *arg = (*argv)[i];
        g_autofree char *option = NULL;

        if (g_str_has_prefix (arg, "--") && strchr (arg, '=') != NULL)
          option = g_strndup (arg, strchr (arg, '=') - arg);
        else if (i > 1 && g_str_has_prefix ((*argv)[i - 1], "--"))
          option = g_strdup ((*argv)[i - 1]);
        if (option != NULL && g_utf8_validate (option, -1, NULL))
          return tn_ctl_usage_error (error, _("The value of %s is not valid UTF-8 text: "
                                              "check the character encoding of the terminal "
                                              "or script that ran tendero-ctl"), option);
        return tn_ctl_usage_error (error, _("Argument %d is not valid UTF-8 text: check the "
                                            "character encoding of the terminal or script "
                                            "that ran tendero-ctl"), i);
      }

  if (!g_option_context_parse (context, argc, argv, &local_error))
    return tn_ctl_usage_error (error, _("%s (see “tendero-ctl %s --help”)"),
                               local_error->message, ctl->command);

  /* --data-dir after the command works as well as before it. */
  if (data_dir != NULL)
    {
      g_free (ctl->data_dir);
      ctl->data_dir = g_steal_pointer (&data_dir);
    }

  if (*argc - 1 > max_args)
    return tn_ctl_usage_error (error, _("Unexpected argument “%s” (see “tendero-ctl %s --help”)"),
                               (*argv)[max_args + 1], ctl->command);
  return TRUE;
}

static gboolean
set_not_initialized_error (TnCtl   *ctl,
                           GError **error)
{
  g_set_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED,
               _("There is no Tendero store in %s: create one with "
                 "“tendero-ctl --data-dir %s init --store S --terminal L1”."),
               ctl->data_dir, ctl->data_dir);
  return FALSE;
}

gboolean
tn_ctl_open_store (TnCtl   *ctl,
                   GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TnConfig) config = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autofree char *db_path = NULL;

  if (ctl->data_dir == NULL)
    return tn_ctl_usage_error (error, _("Which lane? Pass --data-dir DIR (or set "
                                        "TENDERO_DATA_DIR) to name its data directory."));

  /* Look before opening: opening would create an empty database. */
  db_path = tn_config_db_path (ctl->data_dir);
  if (!g_file_test (ctl->data_dir, G_FILE_TEST_IS_DIR) ||
      !g_file_test (db_path, G_FILE_TEST_IS_REGULAR))
    return set_not_initialized_error (ctl, error);

  config = tn_config_load (ctl->data_dir, &local_error);
  if (config == NULL)
    {
      if (g_error_matches (local_error, TN_ERROR, TN_ERROR_NOT_INITIALIZED))
        return set_not_initialized_error (ctl, error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  for (guint i = 0; config->unknown_settings && config->unknown_settings[i]; i++)
    {
      g_autofree char *path = tn_config_file_path (ctl->data_dir);

      g_printerr (_("tendero-ctl: %s: unknown setting %s is ignored: check its spelling\n"),
                  path, config->unknown_settings[i]);
    }

  store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, error);
  if (store == NULL)
    return FALSE;
  if (!tn_store_is_initialized (store))
    return set_not_initialized_error (ctl, error);
  if (!tn_config_check_store (config, ctl->data_dir, tn_store_get_store_id (store), error))
    return FALSE;

  ctl->config = g_steal_pointer (&config);
  ctl->store = g_steal_pointer (&store);
  return TRUE;
}

/* Help ---------------------------------------------------------------------- */

static void
print_help (void)
{
  g_print ("%s\n  tendero-ctl --data-dir DIR %s\n\n%s\n",
           _("Usage:"), _("COMMAND [OPTION…]"),
           _("The back-office tool of a Tendero lane. Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s%s%s", commands[i].group,
                                               commands[i].name ? " " : "",
                                               commands[i].name ? commands[i].name : "");
      g_print ("  %-20s %s\n", name, _(commands[i].summary));
    }
  g_print ("\n%s\n%s\n",
           _("Run “tendero-ctl COMMAND --help” for the options of a command."),
           _("Exit status: 0 on success, 1 when the command failed, 2 when it was "
             "called wrong."));
}

static gboolean
group_exists (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].group, group))
      return TRUE;
  return FALSE;
}

static char *
list_subcommands (const char *group)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].group, group) && commands[i].name != NULL)
      {
        if (names->len > 0)
          g_string_append (names, ", ");
        g_string_append (names, commands[i].name);
      }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* Finds the command at argv[*index] (and argv[*index + 1] for a two-word
 * one), advancing *index past its name. */
static const TnCtlCommand *
find_command (int       argc,
              char    **argv,
              int      *index,
              GError  **error)
{
  const char *group = argv[*index];
  const char *name = *index + 1 < argc ? argv[*index + 1] : NULL;
  g_autofree char *names = NULL;

  if (!group_exists (group))
    {
      tn_ctl_usage_error (error, _("Unknown command “%s”. Run “tendero-ctl --help” to see "
                                   "the commands."), group);
      return NULL;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (!g_str_equal (commands[i].group, group))
        continue;
      if (commands[i].name == NULL)
        {
          *index += 1;
          return &commands[i];
        }
      if (g_strcmp0 (commands[i].name, name) == 0)
        {
          *index += 2;
          return &commands[i];
        }
    }

  names = list_subcommands (group);
  if (name == NULL || name[0] == '-')
    tn_ctl_usage_error (error, _("“%s” needs a subcommand: %s"), group, names);
  else
    tn_ctl_usage_error (error, _("Unknown command “%s %s”. “%s” takes: %s"),
                        group, name, group, names);
  return NULL;
}

static int
report_error (const GError *error)
{
  g_printerr ("tendero-ctl: %s\n", error->message);
  if (error->domain == TN_CTL_ERROR && error->code == TN_CTL_ERROR_USAGE)
    return TN_CTL_EXIT_USAGE;
  return TN_CTL_EXIT_FAILURE;
}

/* Public API ---------------------------------------------------------------- */

int
tn_ctl_run (int    argc,
            char **argv)
{
  TnCtl ctl = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char **command_argv = NULL;
  const TnCtlCommand *command;
  int command_argc;
  int i;
  gboolean ok;

  ctl.data_dir = g_strdup (g_getenv ("TENDERO_DATA_DIR"));
  if (ctl.data_dir != NULL && ctl.data_dir[0] == '\0')
    g_clear_pointer (&ctl.data_dir, g_free);

  /* Global options come before the command. */
  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      const char *arg = argv[i];

      if (g_str_equal (arg, "--version"))
        {
          g_print ("tendero-ctl %s\n", PACKAGE_VERSION);
          tn_ctl_clear (&ctl);
          return 0;
        }
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h") ||
               g_str_equal (arg, "-?"))
        {
          print_help ();
          tn_ctl_clear (&ctl);
          return 0;
        }
      else if (g_str_equal (arg, "--data-dir") && i + 1 < argc)
        {
          g_free (ctl.data_dir);
          ctl.data_dir = g_strdup (argv[++i]);
        }
      else if (g_str_has_prefix (arg, "--data-dir="))
        {
          g_free (ctl.data_dir);
          ctl.data_dir = g_strdup (arg + strlen ("--data-dir="));
        }
      else
        {
          tn_ctl_usage_error (&error, g_str_equal (arg, "--data-dir")
                              ? _("--data-dir needs a directory")
                              : _("Unknown option “%s”. Run “tendero-ctl --help” to see the "
                                  "options."), arg);
          tn_ctl_clear (&ctl);
          return report_error (error);
        }
    }

  if (i >= argc)
    {
      tn_ctl_usage_error (&error, _("No command given. Run “tendero-ctl --help” to see "
                                    "the commands."));
      tn_ctl_clear (&ctl);
      return report_error (error);
    }
  if (g_str_equal (argv[i], "help"))
    {
      print_help ();
      tn_ctl_clear (&ctl);
      return 0;
    }

  command = find_command (argc, argv, &i, &error);
  if (command == NULL)
    {
      tn_ctl_clear (&ctl);
      return report_error (error);
    }

  ctl.command = g_strdup_printf ("%s%s%s", command->group, command->name ? " " : "",
                                 command->name ? command->name : "");
  command_argc = argc - i + 1;
  command_argv = g_new0 (char *, command_argc + 1);
  command_argv[0] = ctl.command;
  for (int j = 1; j < command_argc; j++)
    command_argv[j] = argv[i + j - 1];

  ok = command->func (&ctl, command_argc, command_argv, &error);
  tn_ctl_clear (&ctl);
  return ok ? 0 : report_error (error);
}
