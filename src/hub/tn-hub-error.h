/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TN_HUB_ERROR (tn_hub_error_quark ())

/* What went wrong, one code per HTTP answer of the hub API. */
typedef enum
{
  TN_HUB_ERROR_INTERNAL,      /* 500 */
  TN_HUB_ERROR_BAD_REQUEST,   /* 400 */
  TN_HUB_ERROR_UNAUTHORIZED,  /* 401 */
  TN_HUB_ERROR_NOT_FOUND,     /* 404 */
  TN_HUB_ERROR_GAP,           /* 409 */
  TN_HUB_ERROR_TOO_LARGE,     /* 413 */
  TN_HUB_ERROR_UNAVAILABLE,   /* 503: the database does not answer */
} TnHubError;

GQuark      tn_hub_error_quark       (void);

/* The HTTP status and the API's error code for @error (any domain:
 * other domains are internal). */
guint       tn_hub_error_http_status (const GError *error);
const char *tn_hub_error_api_code    (const GError *error);

G_END_DECLS
