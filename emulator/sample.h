#pragma once
// Sample data sets the emulator can load: "tickit", shaped like Redshift's TICKIT sample
// (users, venue, category, date, event, listing, sales) and generated deterministically in
// PostgreSQL, plus "all_types", a table holding every type rsx maps (unicode text, NULLs,
// extreme numerics, time zones).

#include <libpq-fe.h>

#include <string>

#include "rsx/status.h"

namespace rsx::emu {

// Loads the sample into the connected database. `scale` multiplies the row counts of the
// large tables (scale 1: 5,000 users, 1,000 events, 20,000 listings, 17,000 sales).
Status LoadTickit(PGconn* conn, int scale);

}  // namespace rsx::emu
