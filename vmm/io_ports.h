/* Port I/O dispatch to the device models. */
#ifndef VMM_IO_PORTS_H
#define VMM_IO_PORTS_H

#include "include/hv/types.h"

struct vm;

enum io_result {
    IO_DONE = 0,
    IO_STOP,    /* the access ended the VM (exit port, or a refused port) */
};

typedef enum io_result (*io_handler_fn)(struct vm *vm, uint16_t port, unsigned size, bool in,
                                        uint32_t *val);

/* Runs the device behind `port`. For reads, *val receives the value (only
 * the low `size` bytes count). */
enum io_result io_dispatch(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val);

/* Device models. */
enum io_result uart_io(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val);
enum io_result exit_port_io(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val);

#endif
