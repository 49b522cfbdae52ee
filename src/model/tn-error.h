/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TN_ERROR (tn_error_quark ())

/* Every failure the model reports.  Messages carry the details a store
 * manager or a maintainer needs; the code lets callers (and the wire
 * protocol) classify them. */
typedef enum
{
  TN_ERROR_FAILED,
  TN_ERROR_INVALID,          /* malformed input: JSON, CSV, arguments */
  TN_ERROR_UNKNOWN_TYPE,     /* event type we do not know */
  TN_ERROR_MISSING_FIELD,
  TN_ERROR_NOT_INTEGER,      /* a float where money or a quantity must be an integer */
  TN_ERROR_BAD_HASH,
  TN_ERROR_SEQ_GAP,
  TN_ERROR_TOO_LARGE,
  TN_ERROR_WRONG_STORE,
  TN_ERROR_NOT_FOUND,        /* unknown SKU, sale, conflict … */
  TN_ERROR_EXISTS,
  TN_ERROR_DATABASE,         /* SQLite failed */
  TN_ERROR_NEWER_SCHEMA,     /* the database was written by a newer Tendero */
  TN_ERROR_NOT_INITIALIZED,  /* no store in this data directory */
  TN_ERROR_DISK_FULL,
  TN_ERROR_PERMISSION,       /* e.g. wrong manager PIN */
  TN_ERROR_FISCAL,           /* a fiscal chain or number problem */
} TnError;

GQuark tn_error_quark (void);

G_END_DECLS
