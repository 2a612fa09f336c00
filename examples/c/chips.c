/*
 * chips.c: print the Celesta version and the chip table through the C ABI.
 *
 * Build against an installed Celesta:
 *   cc -std=c99 chips.c $(pkg-config --cflags --libs celesta) -o chips
 * (set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a non-system prefix), or `make` in this folder.
 */
#include <stdio.h>
#include <stdlib.h>

#include <celesta.h>

/* Prints a failed call's status and message and returns 1. */
static int report(const char *what, int status) {
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, celesta_status_name(status), status,
            celesta_last_error());
    return 1;
}

int main(void) {
    int major = 0, minor = 0, patch = 0;
    int status = celesta_version(&major, &minor, &patch);
    if (status != CELESTA_OK) return report("celesta_version", status);
    printf("celesta %d.%d.%d (header %s)\n", major, minor, patch, CELESTA_VERSION_STRING);
    if (major != CELESTA_VERSION_MAJOR) {
        fprintf(stderr, "library major version %d does not match the header's %d\n", major,
                CELESTA_VERSION_MAJOR);
        return 1;
    }

    /* Size query, then the real call. */
    size_t needed = 0;
    status = celesta_build_info(NULL, 0, &needed);
    if (status != CELESTA_OK) return report("celesta_build_info", status);
    char *info = malloc(needed);
    if (info == NULL) return 1;
    status = celesta_build_info(info, needed, &needed);
    if (status != CELESTA_OK) {
        free(info);
        return report("celesta_build_info", status);
    }
    printf("%s\n\n", info);
    free(info);

    printf("%-10s %-13s %6s %6s %7s %8s %4s %6s %5s %5s\n", "id", "name", "inputs", "hidden",
           "outputs", "syn/neur", "w", "state", "dash", "bias");
    size_t count = 0;
    status = celesta_xylo_chip_count(&count);
    if (status != CELESTA_OK) return report("celesta_xylo_chip_count", status);
    for (size_t i = 0; i < count; ++i) {
        celesta_xylo_chip_info_t chip = CELESTA_INIT(celesta_xylo_chip_info_t);
        status = celesta_xylo_chip_info(&chip, i);
        if (status != CELESTA_OK) return report("celesta_xylo_chip_info", status);
        printf("%-10s %-13s %6d %6d %7d %8d %4d %6d %2d-%-2d %5d\n", chip.id, chip.name,
               (int)chip.max_inputs, (int)chip.max_hidden_neurons, (int)chip.max_output_neurons,
               (int)chip.synapses_per_hidden_neuron, (int)chip.weight_bits, (int)chip.state_bits,
               (int)chip.dash_min, (int)chip.dash_max, (int)chip.bias_bits);
    }

    /* Chips can be named by id, product name or alias. */
    celesta_xylo_chip_info_t xa3 = CELESTA_INIT(celesta_xylo_chip_info_t);
    status = celesta_xylo_chip_find(&xa3, "xa3");
    if (status != CELESTA_OK) return report("celesta_xylo_chip_find", status);
    printf("\nxa3 is %s (%s): %d input expansion neurons\n", xa3.id, xa3.name,
           (int)xa3.max_input_expansion_neurons);
    return 0;
}
