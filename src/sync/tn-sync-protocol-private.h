/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* Shared by the two halves of the protocol (tn-sync-protocol.c reads,
 * tn-sync-protocol-encode.c writes). */

/* 64 lowercase hex digits: nonces, MACs, hashes. */
gboolean tn_sync_is_lower_hex64 (const char *s);

/* The bound of an inventory quantity (thousandths). */
#define TN_SYNC_MAX_QTY G_GINT64_CONSTANT (1000000000000000)

/* What an event accepts as "sku": 1–1024 bytes. */
static inline gboolean
tn_sync_is_sku (const char *s)
{
  return s[0] != '\0' && strlen (s) <= 1024;
}

G_END_DECLS
