/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-config.h"
#include "tn-store.h"

G_BEGIN_DECLS

/* Runs `tendero-ctl` with its command line and returns the exit status:
 * 0 on success, 1 when the command failed, 2 when it was called wrong. */
int tn_ctl_run (int    argc,
                char **argv);

/* For the files that implement the commands (tn-ctl-*.c). -------------- */

#define TN_CTL_EXIT_FAILURE 1
#define TN_CTL_EXIT_USAGE   2

#define TN_CTL_ERROR (tn_ctl_error_quark ())

typedef enum
{
  TN_CTL_ERROR_USAGE,     /* the command line is wrong: exit 2 */
  TN_CTL_ERROR_FAILED,    /* the command ran and found problems: exit 1 */
} TnCtlError;

GQuark tn_ctl_error_quark (void);

/* What a command runs with. */
typedef struct
{
  char     *data_dir;     /* --data-dir, or TENDERO_DATA_DIR */
  char     *command;      /* "product add", for help and messages */
  TnConfig *config;       /* set by tn_ctl_open_store() */
  TnStore  *store;        /* set by tn_ctl_open_store() */
} TnCtl;

typedef gboolean (*TnCtlCommandFunc) (TnCtl   *ctl,
                                      int      argc,
                                      char   **argv,
                                      GError **error);

/* Parses a command's options (argv[0] is the command name) strictly:
 * an unknown option is a usage error, and so is any argument left over
 * beyond @max_args positional ones, which stay in argv[1 …]. */
gboolean  tn_ctl_parse_options       (TnCtl              *ctl,
                                      const GOptionEntry *entries,
                                      const char         *parameter_string,
                                      const char         *summary,
                                      int                *argc,
                                      char             ***argv,
                                      int                 max_args,
                                      GError            **error);

/* Loads the configuration and opens the initialised store of the data
 * directory, creating nothing. */
gboolean  tn_ctl_open_store          (TnCtl              *ctl,
                                      GError            **error);

/* Usage errors (exit 2). */
gboolean  tn_ctl_usage_error         (GError            **error,
                                      const char         *format,
                                      ...) G_GNUC_PRINTF (2, 3);
/* --option is required. */
gboolean  tn_ctl_require             (const char         *value,
                                      const char         *option,
                                      GError            **error);
/* Prefixes @error (from a value parser) with the option it came from,
 * and makes it a usage error. */
gboolean  tn_ctl_option_value_error  (GError            **error,
                                      const char         *option,
                                      GError             *parse_error);

/* Value parsers for options, with the option named in the error. */
gboolean  tn_ctl_parse_money         (TnCtl              *ctl,
                                      const char         *option,
                                      const char         *text,
                                      gboolean            allow_negative,
                                      gint64             *out,
                                      GError            **error);
gboolean  tn_ctl_parse_quantity      (const char         *option,
                                      const char         *text,
                                      gboolean            allow_negative,
                                      gint64             *out,
                                      GError            **error);
gboolean  tn_ctl_parse_tax           (const char         *option,
                                      const char         *text,
                                      gint               *out,
                                      GError            **error);

/* A manager's or cashier's employee id from a PIN (NULL @pin → NULL id,
 * no error). */
gboolean  tn_ctl_check_pin           (TnCtl              *ctl,
                                      const char         *pin,
                                      gboolean            need_manager,
                                      char              **out_employee,
                                      GError            **error);

/* Adds the "no product with this SKU" hint to a TN_ERROR_NOT_FOUND. */
gboolean  tn_ctl_explain_sku_error   (TnCtl              *ctl,
                                      const char         *sku,
                                      GError            **error,
                                      GError             *model_error);

char     *tn_ctl_format_money        (TnCtl              *ctl,
                                      gint64              minor);
/* 1600 → "16", 1650 → "16.5". */
char     *tn_ctl_format_tax          (gint                tax_bp);

/* Prints rows of cells (GStrv) as columns aligned by display width. */
void      tn_ctl_print_table         (GPtrArray          *rows);

/* Prints @node (an object) on stdout as one JSON document. */
void      tn_ctl_print_json          (JsonNode           *node);
/* ISO 8601 UTC with milliseconds, from an HLC's wall-clock part. */
char     *tn_ctl_format_hlc_time     (guint64             hlc);

/* The commands, one family per file. */
gboolean  tn_ctl_cmd_init            (TnCtl *ctl, int argc, char **argv, GError **error);

gboolean  tn_ctl_cmd_product_add     (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_product_set_price (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_product_update  (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_product_list    (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_catalog_import  (TnCtl *ctl, int argc, char **argv, GError **error);

gboolean  tn_ctl_cmd_stock_adjust    (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_stock_receive   (TnCtl *ctl, int argc, char **argv, GError **error);

gboolean  tn_ctl_cmd_employee_add    (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_rate_set        (TnCtl *ctl, int argc, char **argv, GError **error);

gboolean  tn_ctl_cmd_sell            (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_void            (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_export_sales    (TnCtl *ctl, int argc, char **argv, GError **error);

gboolean  tn_ctl_cmd_cash_open       (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_cash_in         (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_cash_out        (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_cash_close      (TnCtl *ctl, int argc, char **argv, GError **error);

gboolean  tn_ctl_cmd_status          (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_conflicts_list  (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_deadletters_list (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_conflicts_resolve (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_fiscal_verify   (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_fiscal_grant    (TnCtl *ctl, int argc, char **argv, GError **error);
gboolean  tn_ctl_cmd_tls_fingerprint (TnCtl *ctl, int argc, char **argv, GError **error);

G_END_DECLS
