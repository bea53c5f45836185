#include <zlib.h>

/* inflateInit is a macro (it passes zlib's version and the stream's size), which Swift cannot call. */
static inline int rbc_inflate_init(z_stream *stream) {
    return inflateInit(stream);
}
