/*
 * C declarations of the structs and handle types of the Celesta C ABI.
 *
 * This file belongs to the shim (Sources/Celesta): the Swift shim imports it so that every
 * struct it fills has the C layout by construction. scripts/gen_header.py copies the part
 * between the ABI-TYPES markers into include/celesta.h, followed by the functions it reads from
 * the shim's @_cdecl declarations. Document every type here: the comments are carried over.
 */
#ifndef CELESTA_ABI_H
#define CELESTA_ABI_H

#include <stddef.h>
#include <stdint.h>

/* ABI-TYPES:BEGIN */
/**
 * The limits, bit widths and per-step caps of one chip, as filled by celesta_chip_info() and
 * celesta_chip_find().
 *
 * Ownership: the caller owns the struct; the string members point to static storage owned by
 * the library, valid for the life of the process, and must not be freed.
 * Thread safety: a plain value; fill and read it from any thread.
 */
typedef struct celesta_chip_info {
    /** Chip id as used by Rockpool, e.g. "syns61201". */
    const char *id;
    /** Product name, e.g. "Xylo Audio 2". */
    const char *name;
    /** Other accepted names, comma-separated, e.g. "xa2" (matching ignores case, spaces, '-', '_'). */
    const char *aliases;
    /** SNN core generation: 1 (Xylo v1 core) or 2 (Xylo Audio 2 and 3). */
    int32_t core_version;
    /** Input channels. */
    int32_t max_inputs;
    /** Hidden neurons. */
    int32_t max_hidden_neurons;
    /** Output (readout) neurons that can be allocated. */
    int32_t max_output_neurons;
    /** Above this many outputs Rockpool's mapper warns (16 on Xylo Audio 3, else max_output_neurons). */
    int32_t recommended_max_output_neurons;
    /** Hidden neurons that may receive input weights (input expansion neurons). */
    int32_t max_input_expansion_neurons;
    /** Hidden neurons that may send output weights (output expansion neurons). */
    int32_t max_output_expansion_neurons;
    /** Synaptic states per hidden neuron. */
    int32_t synapses_per_hidden_neuron;
    /** Synaptic states per output neuron. */
    int32_t synapses_per_output_neuron;
    /** Recurrent fan-out entries of the fan-out RAM; 0 where no figure is published. */
    int32_t max_recurrent_fanout_entries;
    /** Alias (residual) targets per hidden neuron. */
    int32_t max_alias_targets;
    /** Weight width in bits (signed). */
    int32_t weight_bits;
    /** Synaptic and membrane state width in bits (signed, saturating). */
    int32_t state_bits;
    /** Threshold width in bits (signed). */
    int32_t threshold_bits;
    /** Bias width in bits (signed); 0 when the core has no bias. */
    int32_t bias_bits;
    /** Smallest accepted dash (decay shift) value. */
    int32_t dash_min;
    /** Largest accepted dash (decay shift) value. */
    int32_t dash_max;
    /** Largest accepted weight shift (the smallest is 0). */
    int32_t weight_shift_max;
    /** Input events per channel per time step; larger counts are clipped. */
    int32_t max_input_events_per_step;
    /** Spikes a hidden neuron can emit per time step. */
    int32_t max_hidden_spikes_per_step;
    /** Spikes an output neuron can emit per time step. */
    int32_t max_output_spikes_per_step;
} celesta_chip_info_t;
/* ABI-TYPES:END */

#endif /* CELESTA_ABI_H */
