/* SPDX-License-Identifier: GPL-3.0-or-later */

/* libFuzzer target for the permessage-deflate extension (tn-ws-deflate.c):
 * the compressed frames any host on the LAN can send a lane before it has
 * proved anything.  The input is a run of frames, each a flags byte, a
 * length byte and that many payload bytes; they go through a server-side
 * TnWsDeflate as libsoup would hand them over.  Besides "no crash, no
 * leak, no critical", it checks that:
 *  - a message never inflates past TN_SYNC_MAX_WIRE_MESSAGE;
 *  - every failure is a SOUP_WEBSOCKET_ERROR with a close code;
 *  - what a lane sends, it takes back unchanged (the input deflated by
 *    one extension and inflated by another). */

#include <stdint.h>
#include <string.h>

#include "tn-fuzz.h"
#include "tn-sync-protocol.h"
#include "tn-ws-deflate.h"

int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

static SoupWebsocketExtension *
new_extension (SoupWebsocketConnectionType side)
{
  SoupWebsocketExtension *extension = g_object_new (TN_TYPE_WS_DEFLATE, NULL);

  if (!soup_websocket_extension_configure (extension, side, NULL, NULL))
    tn_fuzz_fail ("configure without parameters failed", NULL);
  return extension;
}

/* The frames of @data through a server-side extension. */
static void
inflate_frames (const uint8_t *data,
                size_t         size)
{
  g_autoptr(SoupWebsocketExtension) server = new_extension (SOUP_WEBSOCKET_CONNECTION_SERVER);
  gsize message = 0;

  while (size >= 2)
    {
      /* FIN, RSV1 and the opcode's low bits (text, continuation, ping). */
      static const guint8 opcodes[] = { 0x1, 0x0, 0x2, 0x9 };
      guint8 header[2] = { (data[0] & 0xc0) | opcodes[data[0] & 0x3], 0 };
      gsize length = MIN ((gsize) data[1], size - 2);
      g_autoptr(GBytes) out = NULL;
      g_autoptr(GError) error = NULL;

      out = soup_websocket_extension_process_incoming_message (server, header,
                                                               g_bytes_new (data + 2, length),
                                                               &error);
      data += 2 + length;
      size -= 2 + length;
      if (out == NULL)
        {
          if (error == NULL || error->domain != SOUP_WEBSOCKET_ERROR || error->code < 1000)
            tn_fuzz_fail ("a refusal without a close code", NULL);
          return;   /* the connection closes */
        }
      if (error != NULL)
        tn_fuzz_fail ("an error set beside a result", NULL);
      if ((header[0] & 0x08) == 0)
        {
          message += g_bytes_get_size (out);
          if (message > TN_SYNC_MAX_WIRE_MESSAGE)
            tn_fuzz_fail ("a message inflated past the limit", NULL);
          if (header[0] & 0x80)
            message = 0;
        }
    }
}

/* @data deflated by a client and inflated by a server, twice over one
 * context, must come back unchanged. */
static void
round_trip (const uint8_t *data,
            size_t         size)
{
  g_autoptr(SoupWebsocketExtension) client = new_extension (SOUP_WEBSOCKET_CONNECTION_CLIENT);
  g_autoptr(SoupWebsocketExtension) server = new_extension (SOUP_WEBSOCKET_CONNECTION_SERVER);

  for (guint round = 0; round < 2; round++)
    {
      guint8 header[2] = { 0x81, 0 };
      g_autoptr(GBytes) wire = NULL;
      g_autoptr(GBytes) back = NULL;
      g_autoptr(GError) error = NULL;

      wire = soup_websocket_extension_process_outgoing_message (client, header,
                                                                g_bytes_new (data, size),
                                                                &error);
      if (wire == NULL)
        tn_fuzz_fail ("could not deflate", NULL);
      back = soup_websocket_extension_process_incoming_message (server, header,
                                                                g_bytes_ref (wire), &error);
      if (back == NULL)
        tn_fuzz_fail ("could not inflate what we deflated", NULL);
      if (g_bytes_get_size (back) != size ||
          (size > 0 && memcmp (g_bytes_get_data (back, NULL), data, size) != 0))
        tn_fuzz_fail ("the round trip changed the message", NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  inflate_frames (data, size);
  round_trip (data, size);
  return 0;
}
