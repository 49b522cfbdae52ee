/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-hub-error.h"

G_DEFINE_QUARK (tn-hub-error-quark, tn_hub_error)

static const struct
{
  guint       status;
  const char *code;
} answers[] = {
  [TN_HUB_ERROR_INTERNAL] = { 500, "internal" },
  [TN_HUB_ERROR_BAD_REQUEST] = { 400, "bad_request" },
  [TN_HUB_ERROR_UNAUTHORIZED] = { 401, "unauthorized" },
  [TN_HUB_ERROR_NOT_FOUND] = { 404, "not_found" },
  [TN_HUB_ERROR_GAP] = { 409, "gap" },
  [TN_HUB_ERROR_TOO_LARGE] = { 413, "too_large" },
  [TN_HUB_ERROR_UNAVAILABLE] = { 503, "unavailable" },
};

guint
tn_hub_error_http_status (const GError *error)
{
  if (error == NULL || error->domain != TN_HUB_ERROR ||
      (guint) error->code >= G_N_ELEMENTS (answers))
    return 500;
  return answers[error->code].status;
}

const char *
tn_hub_error_api_code (const GError *error)
{
  if (error == NULL || error->domain != TN_HUB_ERROR ||
      (guint) error->code >= G_N_ELEMENTS (answers))
    return "internal";
  return answers[error->code].code;
}
