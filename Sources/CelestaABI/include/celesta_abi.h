/*
 * C declarations of the structs and handle types of the Celesta C ABI.
 *
 * This file belongs to the shim (Sources/Celesta): the Swift shim imports it so that every
 * struct it fills has the C layout by construction. scripts/gen_header.py copies each block
 * between ABI-TYPES markers into include/celesta.h, at the head of the section its key names
 * (see SECTIONS in gen_header.py), before the functions it reads from the shim's @_cdecl
 * declarations. Document every type here: the comments are carried over.
 */
#ifndef CELESTA_ABI_H
#define CELESTA_ABI_H

#include <stddef.h>
#include <stdint.h>

/* ABI-TYPES:BEGIN core */
/**
 * Initialiser of a public struct: `celesta_xylo_chip_info_t info = CELESTA_INIT(celesta_xylo_chip_info_t);`
 * sets `struct_size` to sizeof(T) and every other member to zero (C99 compound literal; in C++
 * a value-initialised T with struct_size set).
 */
#ifdef __cplusplus
#  define CELESTA_INIT(T) ([]() { T celesta_init_value_{}; celesta_init_value_.struct_size = static_cast<uint32_t>(sizeof(T)); return celesta_init_value_; }())
#else
#  define CELESTA_INIT(T) ((T){ .struct_size = (uint32_t)sizeof(T) })
#endif

/**
 * Progress of a long call (a simulation, a front-end run): `done` of `total` units (time steps,
 * audio samples) are finished. Return 0 to go on, non-zero to cancel: the call then fails with
 * CELESTA_ERR_CANCELLED, writes no output buffer and leaves the handle's state as it was.
 * Called on the thread that made the call, between blocks of work (about every millisecond of
 * work or less often), never after the call has returned. `user_data` is what was registered
 * with the callback.
 */
typedef int (*celesta_progress_fn)(void *user_data, size_t done, size_t total);
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN ir */
/**
 * A network graph of the IR (celesta_ir_*): named nodes of the IR's primitives (TALON's and
 * NIR 1.0.8's), edges between them, metadata. Made by celesta_ir_graph_create(),
 * celesta_ir_graph_from_json() or celesta_ir_read(); released with celesta_ir_graph_free().
 *
 * Thread safety: every call on one graph takes the graph's lock, so a graph may be shared by
 * threads; arrays handed out by celesta_ir_graph_array() stay valid until the next
 * celesta_ir_graph_to_json() on that graph or its release.
 */
typedef struct celesta_ir_graph celesta_ir_graph_t;

/**
 * An n-dimensional array crossing the ABI (C order, little-endian), as numpy holds it.
 * `struct_size` must be sizeof(celesta_ir_array_t). Inputs are read during the call only.
 */
typedef struct celesta_ir_array {
    /** sizeof(celesta_ir_array_t), set by whoever fills the struct. */
    uint32_t struct_size;
    /** numpy's name of the element type: "float32", "float64", "int64", "int8", "bool", ... */
    const char *dtype;
    /** The elements, C order (NULL only when there are none). */
    const void *data;
    /** The number of dimensions (0 for a scalar). */
    size_t ndim;
    /** `ndim` dimensions (NULL when ndim is 0). */
    const int64_t *shape;
} celesta_ir_array_t;

/** Flags of the celesta_ir_* calls (bitwise OR). */
enum {
    /** Follow TALON 0.0.x exactly where Celesta corrects it (README, "Differences"). */
    CELESTA_IR_TALON_COMPATIBLE = 1,
    /** celesta_ir_graph_to_json(): write arrays as {"$array": k} (see celesta_ir_graph_array()). */
    CELESTA_IR_ARRAY_REFS = 2,
    /** celesta_ir_write() of NIR: store arrays without gzip compression. */
    CELESTA_IR_UNCOMPRESSED = 4,
    /** celesta_ir_analyze_json(): leave out the per-layer statistics (`layers`). */
    CELESTA_IR_WITHOUT_LAYERS = 8,
    /** celesta_ir_graph_partition_json(): the assignments as two lists, node indices and cores. */
    CELESTA_IR_CORE_LIST = 16,
    /** celesta_ir_graph_partition_json() with CELESTA_IR_CORE_LIST: the two lists as runs. */
    CELESTA_IR_CORE_RUNS = 32
};

/** File formats of celesta_ir_read() and celesta_ir_write(). */
typedef enum celesta_ir_format {
    /** From the file name: .t1c, .nir (or .h5/.hdf5 read as NIR), .json. */
    CELESTA_IR_FORMAT_AUTO = 0,
    /** TALON's .t1c (HDF5). */
    CELESTA_IR_FORMAT_T1C = 1,
    /** NIR 1.0.8 (HDF5). */
    CELESTA_IR_FORMAT_NIR = 2,
    /** Celesta's IR JSON (celesta.ir/1). */
    CELESTA_IR_FORMAT_JSON = 3
} celesta_ir_format;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN ir */
/** Flags of the celesta_ir_viz_* calls (with CELESTA_IR_TALON_COMPATIBLE: embed arrays in full). */
enum {
    /** celesta_ir_viz_graph_json(): skip the pattern detection (no groups). */
    CELESTA_IR_VIZ_NO_PATTERNS = 0x100
};
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN xylo */
/**
 * A float network (Linear, LIF and Residual layers applied in sequence, lowered to a graph),
 * created by celesta_xylo_network_from_json() or celesta_xylo_network_load() and released by
 * celesta_xylo_network_free().
 *
 * Ownership: owned by the caller until freed. Thread safety: immutable once created; it may be
 * mapped from several threads at once.
 */
typedef struct celesta_xylo_network celesta_xylo_network_t;

/**
 * A real-valued Xylo hardware specification (Rockpool's mapper output with float dtypes),
 * created by celesta_xylo_map() or celesta_xylo_spec_from_json() and released by
 * celesta_xylo_spec_free(). It also holds the mapper's design-rule warnings.
 *
 * Ownership: owned by the caller until freed; configurations quantized from it are
 * independent of it. Thread safety: immutable once created; it may be read and quantized from
 * several threads at once.
 */
typedef struct celesta_xylo_spec celesta_xylo_spec_t;

/**
 * A Xylo SNN-core configuration (integer weights, dashes, thresholds, ...), created by
 * celesta_xylo_config_create() or celesta_xylo_config_load() and released by celesta_xylo_config_free().
 *
 * Ownership: owned by the caller until freed. Thread safety: immutable once created; a config
 * may be read (saved, validated, used to create simulators) from several threads at once.
 */
typedef struct celesta_xylo_config celesta_xylo_config_t;

/**
 * A bit-exact simulator of one configuration, created by celesta_xylo_sim_create() and released by
 * celesta_xylo_sim_free(). It keeps its state between celesta_xylo_sim_evolve() calls.
 *
 * Ownership: owned by the caller until freed. Thread safety: calls on one handle from several
 * threads run one after the other (the handle's lock); handles are independent of each other
 * and of the config they came from.
 */
typedef struct celesta_xylo_sim celesta_xylo_sim_t;

/**
 * A Xylo Audio 3 audio front end (filterbank, spike generators, raster), created by
 * celesta_xylo_afe_create() and released by celesta_xylo_afe_free(). It holds the settings and the
 * state of one stream (celesta_xylo_afe_stream_push()).
 *
 * Ownership: owned by the caller until freed. Thread safety: calls on one handle from several
 * threads run one after the other (the handle's lock); celesta_xylo_afe_process() and the size
 * queries only read the settings, the celesta_xylo_afe_stream_* calls change the stream.
 */
typedef struct celesta_xylo_afe celesta_xylo_afe_t;

/**
 * A Xylo Audio 2 analog front-end model, created by celesta_xylo_afe2_create() and released by
 * celesta_xylo_afe2_free(). It holds the mismatch drawn at creation, the noise generator and the
 * integrate-and-fire membranes, which carry over between calls.
 *
 * Ownership: owned by the caller until freed. Thread safety: calls on one handle from several
 * threads run one after the other (the handle's lock).
 */
typedef struct celesta_xylo_afe2 celesta_xylo_afe2_t;

/**
 * An open dev kit (a board over USB or a virtual kit) with its driver, created by
 * celesta_xylo_hdk_open() and released by celesta_xylo_hdk_free().
 *
 * Ownership: owned by the caller until freed; the kit keeps its own copy of the configuration
 * applied to it. Thread safety: calls on one kit from several threads run one after the other
 * (the handle's lock); different handles are independent.
 */
typedef struct celesta_xylo_hdk celesta_xylo_hdk_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN xylo-chips */
/**
 * The limits, bit widths and per-step caps of one chip, as filled by celesta_xylo_chip_info() and
 * celesta_xylo_chip_find().
 *
 * Ownership: the caller owns the struct; the string members point to static storage owned by
 * the library, valid for the life of the process, and must not be freed.
 * Thread safety: a plain value; fill and read it from any thread.
 */
typedef struct celesta_xylo_chip_info {
    /** sizeof(celesta_xylo_chip_info_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
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
    /** Audio front end: "none", "analog-model" (Xylo Audio 2: a floating-point model, not
     *  bit-exact) or "digital" (Xylo Audio 3: bit-exact). */
    const char *front_end;
    /** The Rockpool mapper the chip follows: "xylo-audio-2" (also the Xylo v1 core) or "xylo-audio-3". */
    const char *mapper_dialect;
    /** 1 when a dev kit exists for the chip (a board, and so a virtual kit), else 0. */
    int32_t has_dev_kit;
    /** 1 when the clock-cycle model also reports the parallel synapse-2 operations (Xylo Audio 2, and Xylo v1's model derived from it), else 0. */
    int32_t cycles_report_isyn2_ops;
} celesta_xylo_chip_info_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN xylo-spec */
/** The quantizers of celesta_xylo_spec_quantize() and celesta_xylo_spec_quantize_json(). */
typedef enum celesta_xylo_quantize_method {
    /** Rockpool's global_quantize(): one scale for the hidden and one for the output layer. */
    CELESTA_XYLO_QUANTIZE_GLOBAL = 0,
    /** global_quantize(fuzzy_scaling=True): scales from |mean| + 2 std of the non-zero weights. */
    CELESTA_XYLO_QUANTIZE_GLOBAL_FUZZY = 1,
    /** Rockpool's channel_quantize(): one scale per target neuron. */
    CELESTA_XYLO_QUANTIZE_CHANNEL = 2
} celesta_xylo_quantize_method;

/**
 * The dimensions and scalars of a specification: filled by celesta_xylo_spec_dims(), given to
 * celesta_xylo_spec_create(). The array lengths follow from them (see celesta_xylo_spec_arrays_t).
 */
typedef struct celesta_xylo_spec_dims {
    /** sizeof(celesta_xylo_spec_dims_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
    /**
     * Chip id. Filled: static storage owned by the library (never freed), or NULL when the
     * specification names no known chip. Given: an id or alias, or NULL / "" for none (such a
     * specification can be quantized with celesta_xylo_spec_quantize_read() but not into a
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
     * celesta_xylo_spec_weights_ndim()); the arrays themselves are always [..][..][n_syn]. Given: 2
     * or 3 (anything else is read as 3).
     */
    int32_t weights_ndim;
    /** Time step in seconds (> 0). */
    double dt;
} celesta_xylo_spec_dims_t;

/**
 * Caller-owned row-major double arrays of a specification, each with its length in values:
 * weights_in [n_in][n_ien][n_syn], weights_rec [n_hidden][n_hidden][n_syn],
 * weights_out [n_oen][n_out], hidden vectors [n_hidden], output vectors [n_out], and
 * aliases [n_hidden] as int32 (the alias target of each hidden neuron, or -1 for none).
 *
 * For celesta_xylo_spec_read() and celesta_xylo_spec_quantize_read() every non-NULL array is filled (its
 * length must be at least the needed one: the dimensions are the size query); NULL arrays are
 * skipped. For celesta_xylo_spec_create() the arrays are read only, during the call: the three
 * weight arrays are required, the others may be NULL (zeros; no aliases), and every given
 * length must equal the needed one.
 */
typedef struct celesta_xylo_spec_arrays {
    /** sizeof(celesta_xylo_spec_arrays_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
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
} celesta_xylo_spec_arrays_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN xylo-configs */
/**
 * The arrays of a configuration, for celesta_xylo_config_create(). Every array is row-major int32,
 * borrowed for the duration of the call only, with its length in values; shapes:
 * weights_in [n_in][n_ien][n_syn], weights_rec [n_hidden][n_hidden][n_syn],
 * weights_out [n_oen][n_out] (row r is hidden neuron n_hidden - n_oen + r), hidden vectors
 * [n_hidden], output vectors [n_out], aliases [n_hidden] (target id or -1 for none).
 * bias, bias_out, dash_syn_2 and aliases may be NULL (absent, zeros, none).
 */
typedef struct celesta_xylo_config_desc {
    /** sizeof(celesta_xylo_config_desc_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
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
} celesta_xylo_config_desc_t;

/** Dimensions of a configuration or simulator, filled by celesta_xylo_config_dims(). */
typedef struct celesta_xylo_config_dims {
    /** sizeof(celesta_xylo_config_dims_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
    int32_t n_in;
    int32_t n_hidden;
    int32_t n_out;
    int32_t n_syn;
    int32_t n_ien;
    int32_t n_oen;
} celesta_xylo_config_dims_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN xylo-sim */
/**
 * Optional recording buffers for celesta_xylo_sim_evolve(): caller-owned int32 arrays, each
 * row-major [steps][n] with its length in values (checked); any pointer may be NULL to skip
 * that record. hibernation is [steps] (the v2 core's flag; zeros on the v1 core).
 */
typedef struct celesta_xylo_sim_record {
    /** sizeof(celesta_xylo_sim_record_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
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
} celesta_xylo_sim_record_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN xylo-afe */
/** Input of the Xylo Audio 3 front end (celesta_xylo_afe_params_t.input_mode). */
typedef enum celesta_xylo_afe_input_mode {
    /** Real-valued audio at 48828.125 Hz, quantized to 14 bits as trunc(x * 2^13), so
     *  |x| < 1 (Rockpool's AFESimExternal). */
    CELESTA_XYLO_AFE_INPUT_EXTERNAL = 0,
    /** A PDM microphone bitstream at 1.5625 MHz, each value +1 or -1, 32 per audio sample,
     *  decimated by the chip's filter (Rockpool's AFESimPDM after its microphone model). */
    CELESTA_XYLO_AFE_INPUT_PDM = 1
} celesta_xylo_afe_input_mode;

/** Spike generation of the Xylo Audio 3 front end (celesta_xylo_afe_params_t.spike_gen_mode). */
typedef enum celesta_xylo_afe_spike_gen_mode {
    /** Adaptive thresholds by divisive normalisation ("divisive_norm"). */
    CELESTA_XYLO_AFE_DIVISIVE_NORM = 0,
    /** Fixed per-channel thresholds fixed_threshold_vec ("threshold"). */
    CELESTA_XYLO_AFE_THRESHOLD = 1
} celesta_xylo_afe_spike_gen_mode;

/**
 * Settings of a Xylo Audio 3 front end, with the names of Rockpool's AFESimExternal /
 * AFESimPDM. celesta_xylo_afe_params_default() fills Rockpool's defaults; change fields, then call
 * celesta_xylo_afe_create(). Per-channel arrays are indexed by output channel (the position in
 * select_filters); entries past the channel count are ignored.
 *
 * Ownership: a plain value owned by the caller. Thread safety: a plain value.
 */
typedef struct celesta_xylo_afe_params {
    /** sizeof(celesta_xylo_afe_params_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
    /** A celesta_xylo_afe_input_mode. Default CELESTA_XYLO_AFE_INPUT_EXTERNAL. */
    int32_t input_mode;
    /** Filters used: the first n_select_filters entries of select_filters (each 0..15, no
     *  repeats, in output-channel order); 0 selects all 16 in order (the default). */
    int32_t n_select_filters;
    int32_t select_filters[16];
    /** A celesta_xylo_afe_spike_gen_mode. Default CELESTA_XYLO_AFE_DIVISIVE_NORM. */
    int32_t spike_gen_mode;
    /** (b1, b2): thresholds scale by 2^b1 - 2^b2, each 0..31. Default (6, 0). */
    int32_t dn_rate_scale_bitshift[2];
    /** Power estimates average over 2^b samples, 0..31. Default 12. */
    int32_t dn_low_pass_bitshift;
    /** Lower bound of the normalising power per channel, 0..65535. Default 1. */
    int64_t dn_EPS[16];
    /** Thresholds of the "threshold" mode per channel, 0..2^32-1. Default 2^27. */
    int64_t fixed_threshold_vec[16];
    /** Audio samples per raster row (SNN time step), >= 1. Default 50 (1.024 ms). */
    int32_t down_sampling_factor;
} celesta_xylo_afe_params_t;

/**
 * Optional stage buffers for celesta_xylo_afe_process() and celesta_xylo_afe_stream_push(): caller-owned
 * arrays with their length in values (checked); any pointer may be NULL to skip that stage.
 * With S audio samples (see the size queries) and C channels: audio_14bit [S], filterbank
 * [S][C] and dn_spikes [S][C] (0/1), row-major.
 */
typedef struct celesta_xylo_afe_record {
    /** sizeof(celesta_xylo_afe_record_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
    int32_t *audio_14bit;
    size_t audio_14bit_len;
    int64_t *filterbank;
    size_t filterbank_len;
    int32_t *dn_spikes;
    size_t dn_spikes_len;
} celesta_xylo_afe_record_t;

/**
 * Settings of the Xylo Audio 2 analog front-end model (celesta_xylo_afe2_create()), with the names
 * of Rockpool's syns61201.AFESim. celesta_xylo_afe2_params_default() fills the defaults; fs has none
 * and must be set. The model is floating point and not bit-exact (see celesta_xylo_afe2_process()).
 *
 * Ownership: a plain value owned by the caller. Thread safety: a plain value.
 */
typedef struct celesta_xylo_afe2_params {
    /** sizeof(celesta_xylo_afe2_params_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
    /** Input sampling rate in Hz, at least 6 x 16940 = 101640. Default 0 (unset). */
    double fs;
    /** Raster period in seconds, a whole number of samples. Default 0.01. */
    double raster_period;
    /** Largest count of a raster cell. Default 15. */
    int32_t max_spike_per_raster_period;
    /** Non-idealities, 0 or 1 each. Default 1 (on), as Rockpool. */
    int32_t add_noise;
    int32_t add_offset;
    int32_t add_mismatch;
    /** Seed of the model's generator (mismatch at creation, noise on every call). Default 0. */
    uint64_t seed;
    /** LNA gain in dB: 0, 6 or 12. Default 0. */
    double lna_gain_db;
    /** The digital counter passes every n-th spike, n >= 1. Default 4. */
    int32_t digital_counter;
} celesta_xylo_afe2_params_t;

/**
 * Optional stage buffers for celesta_xylo_afe2_process(), for N input samples: lna_out [N],
 * bpf [N][16] and rect [N][16] (the forward half of the chain), with lengths in values.
 */
typedef struct celesta_xylo_afe2_record {
    /** sizeof(celesta_xylo_afe2_record_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
    double *lna_out;
    size_t lna_out_len;
    double *bpf;
    size_t bpf_len;
    double *rect;
    size_t rect_len;
} celesta_xylo_afe2_record_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN xylo-hdk */
/**
 * A dev kit as celesta_xylo_hdk_list() and celesta_xylo_hdk_get_info() describe it.
 *
 * Ownership: a plain value owned by the caller; the strings are copied into it.
 * Thread safety: a plain value; fill and read it from any thread.
 */
typedef struct celesta_xylo_hdk_info {
    /** sizeof(celesta_xylo_hdk_info_t), set by the caller (CELESTA_INIT); see "Structs" at the top. */
    uint32_t struct_size;
    /** 0: a board on USB; 1: the virtual dev kit. */
    int32_t kind;
    /** Firmware (or model) version the kit reports; 0.0 for a USB kit not yet opened. */
    int32_t version_major;
    int32_t version_minor;
    /** Number of power-monitor rails (0 for a USB kit not yet opened). */
    int32_t power_rails;
    /** Canonical chip id, e.g. "syns65302" (NUL-terminated). */
    char chip_id[16];
    /** Readable name, e.g. "Xylo Audio 3 virtual dev kit #0" (NUL-terminated, truncated to fit). */
    char name[96];
    /** Where it is: "usb:BUS:ADDRESS" (pass it to celesta_xylo_hdk_open()) or "virtual:N" (open a virtual kit as "virtual:" + chip_id). */
    char location[48];
} celesta_xylo_hdk_info_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN backend */
/**
 * The result of one celesta_backend_simulate() (outputs, spike counts, per-step node values,
 * per-node times), read with celesta_backend_result_json() and released with
 * celesta_backend_result_free(). Immutable: may be read from several threads.
 */
typedef struct celesta_backend_result celesta_backend_result_t;

/** The files celesta_backend_result_write() writes from a compile's descriptor. */
enum {
    /** TALON's `HardwareDescriptor.to_json` (indented JSON, arrays as {shape, dtype, data}). */
    CELESTA_BACKEND_DESCRIPTOR_JSON = 0,
    /** `to_binary`: "T1CB" with the weights (CELESTA_IR_TALON_COMPATIBLE: TALON's, without them). */
    CELESTA_BACKEND_DESCRIPTOR_BINARY = 1
};

/** Flags of celesta_backend_build_bitstream() (with CELESTA_IR_TALON_COMPATIBLE, 1). */
enum {
    /** Write the project's files under the `output_dir` setting (TALON's write_to_disk=True). */
    CELESTA_BACKEND_WRITE_TO_DISK = 2,
    /** Replace an output folder that is not empty (refused otherwise). */
    CELESTA_BACKEND_OVERWRITE = 4
};
/* ABI-TYPES:BEGIN fpga */
/**
 * A spiking network as an HLS project sees it (celesta_hls_*): an input, then Dense, IF/LIF
 * neuron and SNN readout layers with their resolved ap_fixed types. Made by
 * celesta_hls_model_from_layers() or celesta_hls_model_from_graph(); released with
 * celesta_hls_model_free().
 *
 * Thread safety: a model may be shared by threads; simulations that keep state
 * (CELESTA_HLS_SIM_KEEP_STATE) and traces are serialised by the model's lock.
 */
typedef struct celesta_hls_model celesta_hls_model_t;

/** Flags of celesta_hls_write() and celesta_hls_compile(). */
enum {
    /** celesta_hls_write(): replace an output folder that is not empty. */
    CELESTA_HLS_OVERWRITE = 1,
    /** celesta_hls_compile(): build the shared library firmware/<project>.so instead of ./csim. */
    CELESTA_HLS_SHARED_LIBRARY = 2,
    /** celesta_hls_compile(): optimise (-O2; slower to compile, the same numbers, faster long
     *  simulations). Without it the C simulation is compiled at -O0, fastest to build. */
    CELESTA_HLS_OPTIMIZE = 4
};

/** Flags of celesta_hls_simulate(). */
enum {
    /** Continue from the model's own state (batch 1), as the compiled C simulation does. */
    CELESTA_HLS_SIM_KEEP_STATE = 1,
    /** Run the float64 reference model instead of the fixed-point one. */
    CELESTA_HLS_SIM_FLOAT = 2,
    /** Keep every layer's values of every step for celesta_hls_last_trace() (batch 1). */
    CELESTA_HLS_SIM_TRACE = 4,
    /** Clear the kept state first. */
    CELESTA_HLS_SIM_RESET = 8
};
/* ABI-TYPES:END */


/* ABI-TYPES:BEGIN ir */
/**
 * A writer of an event file (celesta_events_writer_create()), released with
 * celesta_events_writer_free(). Ownership: the caller's until freed. Thread safety: use one
 * writer from one thread at a time.
 */
typedef struct celesta_events_writer celesta_events_writer_t;

/**
 * An open event file (celesta_events_reader_open()), released with celesta_events_reader_free().
 * Thread safety: use one reader from one thread at a time; several readers may be used at once.
 */
typedef struct celesta_events_reader celesta_events_reader_t;

/**
 * Event columns in the caller's memory: `t` uint64 microseconds, `x`, `y` uint16, `p` uint8,
 * each with its stride in bytes (13 for TALON's packed EVENT_DTYPE records: t at +0, x at +8,
 * y at +10, p at +12; the element size for plain arrays). Writes read them, reads fill them.
 */
typedef struct celesta_events {
    /** sizeof(celesta_events_t). */
    uint32_t struct_size;
    void *t;
    size_t t_stride;
    void *x;
    size_t x_stride;
    void *y;
    size_t y_stride;
    void *p;
    size_t p_stride;
} celesta_events_t;

/**
 * Where the events are in the file (TALON's H5Config). NULL strings take TALON's defaults:
 * group "events", datasets "t", "x", "y", "p", no compound dataset. An empty `events_group`
 * is the file root.
 */
typedef struct celesta_events_config {
    /** sizeof(celesta_events_config_t). */
    uint32_t struct_size;
    const char *events_group;
    const char *timestamp_key;
    const char *x_key;
    const char *y_key;
    const char *polarity_key;
    /** A compound dataset to read instead of separate datasets (NULL: none). */
    const char *compound_key;
} celesta_events_config_t;

/** Event file layouts (celesta_events_info_t.layout). */
typedef enum celesta_events_layout {
    /** Separate t, x, y, p datasets (TALON's files). */
    CELESTA_EVENTS_SEPARATE = 0,
    /** The compound dataset named by the config's compound_key. */
    CELESTA_EVENTS_COMPOUND = 1,
    /** A compound dataset named "events" in the group. */
    CELESTA_EVENTS_COMPOUND_FALLBACK = 2
} celesta_events_layout;

/** What an open event file holds (celesta_events_reader_info()). */
typedef struct celesta_events_info {
    /** sizeof(celesta_events_info_t). */
    uint32_t struct_size;
    /** A celesta_events_layout. */
    int layout;
    uint64_t n_events;
    /** The group's `format` attribute ("t1c_events_v1" in TALON's files; "" when absent). */
    char format[64];
    /** 1 when sensor_width and sensor_height were stored. */
    int has_sensor_size;
    int64_t sensor_width;
    int64_t sensor_height;
    /** 1 when t_start and t_end were stored. */
    int has_time_range;
    int64_t t_start;
    int64_t t_end;
    /** The gzip level of the timestamps' dataset, -1 when not gzip-compressed. */
    int gzip_level;
    /** The chunk length of the timestamps' dataset, 0 when not read chunk by chunk. */
    uint64_t chunk_length;
} celesta_events_info_t;
/* ABI-TYPES:END */

/* ABI-TYPES:BEGIN ir */
/** The format of a WAV file (celesta_wav_parse_info()). */
typedef struct celesta_wav_info {
    /** sizeof(celesta_wav_info_t), set by the caller (CELESTA_INIT). */
    uint32_t struct_size;
    /** Sampling rate in Hz, > 0. */
    double sample_rate;
    /** Interleaved channels, >= 1. */
    int32_t channels;
    /** Bits per sample as stored: 16, 24 or 32. */
    int32_t bits_per_sample;
    /** 1 for 32-bit IEEE float samples, 0 for PCM integers. */
    int32_t is_float;
    /** Frames (samples per channel). */
    uint64_t frames;
} celesta_wav_info_t;
/* ABI-TYPES:END */

#endif /* CELESTA_ABI_H */
