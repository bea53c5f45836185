// libgit2's headers. The library itself is opened on first use, not linked: CGit2Loader defines
// the functions rbc calls and loads libgit2 when one is first called.
#include <git2.h>
