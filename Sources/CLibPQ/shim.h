#ifndef GRIDPLAN_CLIBPQ_SHIM_H
#define GRIDPLAN_CLIBPQ_SHIM_H
// Debian's libpq-dev puts the header in /usr/include/postgresql; pkg-config "libpq" adds that path.
#include <libpq-fe.h>

// The PG_DIAG_* field codes are character-literal macros, which Swift does not import;
// the same values as constants it can see.
enum {
    GRIDPLAN_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE,
    GRIDPLAN_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY,
    GRIDPLAN_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL,
    GRIDPLAN_PG_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT,
};
#endif
