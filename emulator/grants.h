#pragma once
// The database side of access, as Redshift has it: an IAM role is the database user
// "IAMR:<role name>" (an IAM user "IAM:<name>"), created on first use with no privileges, and
// reads only what was granted to it. Statements run as that user (SET ROLE), so a missing GRANT
// fails them with Redshift's words.

#include <libpq-fe.h>

#include <string>

#include "config.h"
#include "rsx/status.h"

namespace rsx::emu {

// Creates the database user when it does not exist yet (roles are the cluster's, not a
// database's). Harmless to repeat.
Status EnsureDatabaseUser(PGconn* conn, const std::string& db_user);

// At start, in each database (as the administrator): public is usable and writable by every
// user, as on Redshift; then each role's user is created and given its configured grants.
Status PrepareDatabase(PGconn* conn, const EmulatorConfig& config);

// PostgreSQL's "permission denied for table|view|sequence X" in Redshift's words ("permission
// denied for relation X"); other messages unchanged.
std::string RedshiftWords(std::string message);

}  // namespace rsx::emu
