/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>

#include "tn-operations.h"
#include "tn-pin.h"

/* `employee add`: cashiers and managers, who sign sales, voids and
 * conflict resolutions with their PIN. */

gboolean
tn_ctl_cmd_employee_add (TnCtl   *ctl,
                         int      argc,
                         char   **argv,
                         GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *employee_id = NULL;
  gboolean manager = FALSE;
  GError *pin_error = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The employee’s name"), N_("NAME") },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin, N_("4 to 12 digits"), N_("PIN") },
    { "manager", 0, 0, G_OPTION_ARG_NONE, &manager,
      N_("May void sales and resolve conflicts"), NULL },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL, N_("Adds an employee."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (name, "--name", error) ||
      !tn_ctl_require (pin, "--pin", error))
    return FALSE;
  if (g_strstrip (name)[0] == '\0')
    return tn_ctl_usage_error (error, _("Invalid --name: it is empty"));
  if (!tn_pin_validate (pin, &pin_error))
    return tn_ctl_option_value_error (error, "--pin", pin_error);
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;

  employee_id = tn_store_add_employee (ctl->store, name, pin, manager, error);
  if (employee_id == NULL)
    return FALSE;

  g_print (manager ? _("Added manager %s (employee %s).\n")
                   : _("Added cashier %s (employee %s).\n"),
           name, employee_id);
  return TRUE;
}
