/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

/* Fiscal numbers (DESIGN §6).  The store has one number sequence; the
 * fiscal authority hands devices blocks of it; each device's documents
 * (sales, voids, Z reports) form a hash chain. */

#define TN_FISCAL_BLOCK_SIZE     50
#define TN_FISCAL_RESERVE_BLOCKS 2
/* No grant is larger (the event validator enforces it), which bounds
 * every "which block holds number N" lookup to a short index range. */
#define TN_FISCAL_MAX_BLOCK      10000

typedef enum
{
  TN_FISCAL_SALE,
  TN_FISCAL_VOID,
  TN_FISCAL_Z_REPORT,
} TnFiscalKind;

/* Inside a write transaction: the "fiscal" object for this device's
 * next document — its number (store series, or the contingency series
 * when no granted number is left, which also raises a P1 alert), and
 * the chain link.  The fiscal authority first tops up its own blocks. */
JsonNode  *tn_fiscal_next_document   (TnStore       *store,
                                      TnFiscalKind   kind,
                                      GError       **error);

typedef struct
{
  gint64 unused;          /* granted store numbers not yet used */
  guint  reserve_blocks;  /* whole blocks not yet touched */
  gint64 next_number;     /* 0 when none is left */
  gint64 contingency_documents;
} TnFiscalReserve;

gboolean   tn_fiscal_get_reserve     (TnStore          *store,
                                      const char       *device,
                                      TnFiscalReserve  *out,
                                      GError          **error);

/* TRUE when this device should ask the authority for another block:
 * its current block is 80 % used, or fewer than two blocks are left in
 * reserve. */
gboolean   tn_fiscal_wants_block     (TnStore          *store);

/* The same for any device, as the authority judges a request. */
gboolean   tn_fiscal_device_wants_block (TnStore       *store,
                                         const char    *device);

/* The payload of a FiscalBlockGranted event giving @device (working as
 * @terminal) TN_FISCAL_BLOCK_SIZE numbers from @first: the lane and hub
 * authorities grant the same record. */
JsonNode  *tn_fiscal_block_payload   (const char       *device,
                                      const char       *terminal,
                                      gint64            first);

/* Fiscal authority only, inside a write transaction: grants the next
 * block of the store sequence to @device (which may be this lane) by
 * appending a FiscalBlockGranted event.  Transfer full. */
TnEvent   *tn_fiscal_grant_block     (TnStore          *store,
                                      const char       *device,
                                      const char       *terminal,
                                      GError          **error);

/* Begin + grant + commit, for the sync layer answering a peer. */
TnEvent   *tn_fiscal_grant_block_now (TnStore          *store,
                                      const char       *device,
                                      const char       *terminal,
                                      GError          **error);

/* Checks every device's chain: each stored document still hashes to
 * its recorded hash, links to its predecessor, carries a number from
 * its device's blocks (or a gap-free contingency/Z number), no store
 * number is used twice, and the projections match the documents.
 * Problems (one line each, naming the document) are added to
 * @problems.  Returns FALSE with @error only if the check itself could
 * not run. */
gboolean   tn_fiscal_verify          (TnStore          *store,
                                      GPtrArray        *problems,
                                      guint            *n_documents,
                                      GError          **error);

/* Projection side, called by the sale and cash projections: records the
 * document's place in its chain and raises P0 alerts for a number
 * outside the device's blocks, a duplicate or a broken link. */
gboolean   tn_fiscal_record_document (TnStore          *store,
                                      const TnEvent    *event,
                                      TnFiscalKind      kind,
                                      GError          **error);

G_END_DECLS
