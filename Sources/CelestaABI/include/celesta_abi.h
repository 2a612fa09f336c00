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

/**
 * A Xylo SNN-core configuration (integer weights, dashes, thresholds, ...), created by
 * celesta_config_create() or celesta_config_load() and released by celesta_config_free().
 *
 * Ownership: owned by the caller until freed. Thread safety: immutable once created; a config
 * may be read (saved, validated, used to create simulators) from several threads at once.
 */
typedef struct celesta_config celesta_config_t;

/**
 * A bit-exact simulator of one configuration, created by celesta_sim_create() and released by
 * celesta_sim_free(). It keeps its state between celesta_sim_evolve() calls.
 *
 * Ownership: owned by the caller until freed. Thread safety: not thread-safe: use one handle
 * per thread; handles are independent of each other and of the config they came from.
 */
typedef struct celesta_sim celesta_sim_t;

/**
 * The arrays of a configuration, for celesta_config_create(). Every array is row-major int32,
 * borrowed for the duration of the call only, with its length in values; shapes:
 * weights_in [n_in][n_ien][n_syn], weights_rec [n_hidden][n_hidden][n_syn],
 * weights_out [n_oen][n_out] (row r is hidden neuron n_hidden - n_oen + r), hidden vectors
 * [n_hidden], output vectors [n_out], aliases [n_hidden] (target id or -1 for none).
 * bias, bias_out, dash_syn_2 and aliases may be NULL (absent, zeros, none).
 */
typedef struct celesta_config_desc {
    /** Chip id or alias, e.g. "syns61201" or "xa3". */
    const char *chip;
    int32_t n_in;
    int32_t n_hidden;
    int32_t n_out;
    /** Synapses per hidden neuron addressed by the weights: 1 or 2. */
    int32_t n_syn;
    /** Input expansion neurons (hidden 0..n_ien-1 receive input weights). */
    int32_t n_ien;
    /** Output expansion neurons (the last n_oen hidden neurons send output weights). */
    int32_t n_oen;
    const int32_t *weights_in;
    size_t weights_in_len;
    const int32_t *weights_rec;
    size_t weights_rec_len;
    const int32_t *weights_out;
    size_t weights_out_len;
    const int32_t *dash_mem;
    size_t dash_mem_len;
    const int32_t *dash_syn;
    size_t dash_syn_len;
    const int32_t *dash_syn_2;
    size_t dash_syn_2_len;
    const int32_t *threshold;
    size_t threshold_len;
    const int32_t *bias;
    size_t bias_len;
    const int32_t *dash_mem_out;
    size_t dash_mem_out_len;
    const int32_t *dash_syn_out;
    size_t dash_syn_out_len;
    const int32_t *threshold_out;
    size_t threshold_out_len;
    const int32_t *bias_out;
    size_t bias_out_len;
    int32_t weight_shift_in;
    int32_t weight_shift_rec;
    int32_t weight_shift_out;
    const int32_t *aliases;
    size_t aliases_len;
    /** Time step in seconds (> 0); it does not change the integer simulation. */
    double dt;
    /** Bias-enable bit: 1 on, 0 off, -1 on iff any bias or bias_out value is non-zero. */
    int32_t bias_enabled;
} celesta_config_desc_t;

/** Dimensions of a configuration or simulator, filled by celesta_config_dims(). */
typedef struct celesta_config_dims {
    int32_t n_in;
    int32_t n_hidden;
    int32_t n_out;
    int32_t n_syn;
    int32_t n_ien;
    int32_t n_oen;
} celesta_config_dims_t;

/**
 * Optional recording buffers for celesta_sim_evolve(): caller-owned int32 arrays, each
 * row-major [steps][n] with its length in values (checked); any pointer may be NULL to skip
 * that record. hibernation is [steps] (the v2 core's flag; zeros on the v1 core).
 */
typedef struct celesta_sim_record {
    int32_t *vmem;
    size_t vmem_len;
    int32_t *isyn;
    size_t isyn_len;
    int32_t *isyn2;
    size_t isyn2_len;
    int32_t *spikes;
    size_t spikes_len;
    int32_t *vmem_out;
    size_t vmem_out_len;
    int32_t *isyn_out;
    size_t isyn_out_len;
    int32_t *hibernation;
    size_t hibernation_len;
} celesta_sim_record_t;

/**
 * A float network (Linear, LIF and Residual layers applied in sequence, lowered to a graph),
 * created by celesta_network_from_json() or celesta_network_load() and released by
 * celesta_network_free().
 *
 * Ownership: owned by the caller until freed. Thread safety: immutable once created; it may be
 * mapped from several threads at once.
 */
typedef struct celesta_network celesta_network_t;

/**
 * A real-valued Xylo hardware specification (Rockpool's mapper output with float dtypes),
 * created by celesta_xylo_map() or celesta_spec_from_json() and released by
 * celesta_spec_free(). It also holds the mapper's design-rule warnings.
 *
 * Ownership: owned by the caller until freed; configurations quantized from it are
 * independent of it. Thread safety: immutable once created; it may be read and quantized from
 * several threads at once.
 */
typedef struct celesta_spec celesta_spec_t;

/** The quantizers of celesta_spec_quantize() and celesta_spec_quantize_json(). */
typedef enum celesta_quantize_method {
    /** Rockpool's global_quantize(): one scale for the hidden and one for the output layer. */
    CELESTA_QUANTIZE_GLOBAL = 0,
    /** global_quantize(fuzzy_scaling=True): scales from |mean| + 2 std of the non-zero weights. */
    CELESTA_QUANTIZE_GLOBAL_FUZZY = 1,
    /** Rockpool's channel_quantize(): one scale per target neuron. */
    CELESTA_QUANTIZE_CHANNEL = 2
} celesta_quantize_method;
/**
 * The dimensions and scalars of a specification: filled by celesta_spec_dims(), given to
 * celesta_spec_create(). The array lengths follow from them (see celesta_spec_arrays_t).
 */
typedef struct celesta_spec_dims {
    /**
     * Chip id. Filled: static storage owned by the library (never freed), or NULL when the
     * specification names no known chip. Given: an id or alias, or NULL / "" for none (such a
     * specification can be quantized with celesta_spec_quantize_read() but not into a
     * configuration).
     */
    const char *chip;
    int32_t n_in;
    int32_t n_hidden;
    int32_t n_out;
    /** Synapses per hidden neuron addressed by the weights: 1 or 2. */
    int32_t n_syn;
    /** Input expansion neurons (hidden 0..n_ien-1 receive input weights). */
    int32_t n_ien;
    /** Output expansion neurons (the last n_oen hidden neurons send output weights). */
    int32_t n_oen;
    int32_t weight_shift_in;
    int32_t weight_shift_rec;
    int32_t weight_shift_out;
    /**
     * 2 or 3: the ndim of Rockpool's weights_in / weights_rec for this specification (as
     * celesta_spec_weights_ndim()); the arrays themselves are always [..][..][n_syn]. Given: 2
     * or 3 (anything else is read as 3).
     */
    int32_t weights_ndim;
    /** Time step in seconds (> 0). */
    double dt;
} celesta_spec_dims_t;

/**
 * Caller-owned row-major double arrays of a specification, each with its length in values:
 * weights_in [n_in][n_ien][n_syn], weights_rec [n_hidden][n_hidden][n_syn],
 * weights_out [n_oen][n_out], hidden vectors [n_hidden], output vectors [n_out], and
 * aliases [n_hidden] as int32 (the alias target of each hidden neuron, or -1 for none).
 *
 * For celesta_spec_read() and celesta_spec_quantize_read() every non-NULL array is filled (its
 * length must be at least the needed one: the dimensions are the size query); NULL arrays are
 * skipped. For celesta_spec_create() the arrays are read only, during the call: the three
 * weight arrays are required, the others may be NULL (zeros; no aliases), and every given
 * length must equal the needed one.
 */
typedef struct celesta_spec_arrays {
    double *weights_in;
    size_t weights_in_len;
    double *weights_rec;
    size_t weights_rec_len;
    double *weights_out;
    size_t weights_out_len;
    double *dash_mem;
    size_t dash_mem_len;
    double *dash_syn;
    size_t dash_syn_len;
    double *dash_syn_2;
    size_t dash_syn_2_len;
    double *threshold;
    size_t threshold_len;
    double *bias;
    size_t bias_len;
    double *dash_mem_out;
    size_t dash_mem_out_len;
    double *dash_syn_out;
    size_t dash_syn_out_len;
    double *threshold_out;
    size_t threshold_out_len;
    double *bias_out;
    size_t bias_out_len;
    int32_t *aliases;
    size_t aliases_len;
} celesta_spec_arrays_t;
/* ABI-TYPES:END */

#endif /* CELESTA_ABI_H */
