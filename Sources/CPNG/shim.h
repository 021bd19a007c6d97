#include <png.h>

// libpng's simplified-API format constants are composite macros (PNG_FORMAT_FLAG_COLOR | ...),
// which Swift does not import. Re-export them as plain constants.
static const png_uint_32 QUIRE_PNG_FORMAT_GRAY = PNG_FORMAT_GRAY;
static const png_uint_32 QUIRE_PNG_FORMAT_GA = PNG_FORMAT_GA;
static const png_uint_32 QUIRE_PNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const png_uint_32 QUIRE_PNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const png_uint_32 QUIRE_PNG_IMAGE_VERSION = PNG_IMAGE_VERSION;

// PNG_IMAGE_SIZE and PNG_IMAGE_ROW_STRIDE are function-like macros; give Swift a function.
static inline size_t quire_png_image_size(const png_image *image) { return PNG_IMAGE_SIZE(*image); }
static inline int quire_png_image_failed(const png_image *image) { return PNG_IMAGE_FAILED(*image); }
