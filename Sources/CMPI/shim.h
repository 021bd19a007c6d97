#ifndef QUIRE_CMPI_SHIM_H
#define QUIRE_CMPI_SHIM_H
#include <mpi.h>

/* Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros that take the address of a global;
   Swift cannot import them, so they are re-exported as functions. */
static inline MPI_Comm quire_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype quire_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype quire_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype quire_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype quire_mpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype quire_mpi_int8(void) { return MPI_INT8_T; }
static inline MPI_Datatype quire_mpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Datatype quire_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op quire_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op quire_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op quire_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op quire_mpi_lor(void) { return MPI_LOR; }
static inline MPI_Errhandler quire_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *quire_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int quire_mpi_success(void) { return MPI_SUCCESS; }
static inline int quire_mpi_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }
static inline int quire_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
