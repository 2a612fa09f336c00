// Exported C functions: Xylo configurations (create, load, save, JSON, validate, free).

import CelestaABI
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// Creates a configuration from the arrays in `*desc` (copied; nothing is kept). The shapes
/// are checked (CELESTA_ERR_SHAPE_MISMATCH naming the field) and the values must fit the
/// simulator's integer fields (CELESTA_ERR_OUT_OF_RANGE naming the field, index and value);
/// the chip's own limits are checked by celesta_xylo_config_validate(). `desc->struct_size`
/// must be set (CELESTA_INIT; a smaller one is CELESTA_ERR_INVALID_ARGUMENT).
///
/// On success `*out` receives a new handle to release with celesta_xylo_config_free(); on error
/// `*out` is left untouched. Thread safety: any thread.
@_cdecl("celesta_xylo_config_create")
public func celesta_xylo_config_create(
    _ out: UnsafeMutablePointer<celesta_xylo_config_ref?>?, _ desc: UnsafePointer<celesta_xylo_config_desc_t>?
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let d = try structIn(desc, "desc")
        let chip = try ChipTable.chip(named: try requiredString(d.chip, "desc->chip"))
        func need(_ p: UnsafePointer<Int32>?, _ n: Int, _ name: String) throws -> [Int] {
            guard let values = try borrowedInts(p, n, name) else {
                throw CelestaError(.nullPointer, "field '\(name)' is NULL")
            }
            return values
        }
        var aliases: [[Int]]? = nil
        if let raw = try borrowedInts(d.aliases, d.aliases_len, "aliases") {
            aliases = raw.map { $0 < 0 ? [] : [$0] }
        }
        guard d.bias_enabled >= -1 && d.bias_enabled <= 1 else {
            throw CelestaError(.invalidArgument, "field 'bias_enabled' is \(d.bias_enabled); it must be -1, 0 or 1")
        }
        let bias = try borrowedInts(d.bias, d.bias_len, "bias")
        let biasOut = try borrowedInts(d.bias_out, d.bias_out_len, "bias_out")
        let anyBias = (bias ?? []).contains { $0 != 0 } || (biasOut ?? []).contains { $0 != 0 }
        let config = try XyloConfig(
            chipID: chip.id, nIn: Int(d.n_in), nHidden: Int(d.n_hidden), nOut: Int(d.n_out), nSyn: Int(d.n_syn),
            nIEN: Int(d.n_ien), nOEN: Int(d.n_oen),
            weightsIn: try need(d.weights_in, d.weights_in_len, "weights_in"),
            weightsRec: try need(d.weights_rec, d.weights_rec_len, "weights_rec"),
            weightsOut: try need(d.weights_out, d.weights_out_len, "weights_out"),
            dashMem: try need(d.dash_mem, d.dash_mem_len, "dash_mem"),
            dashSyn: try need(d.dash_syn, d.dash_syn_len, "dash_syn"),
            dashSyn2: try borrowedInts(d.dash_syn_2, d.dash_syn_2_len, "dash_syn_2"),
            threshold: try need(d.threshold, d.threshold_len, "threshold"),
            bias: bias,
            dashMemOut: try need(d.dash_mem_out, d.dash_mem_out_len, "dash_mem_out"),
            dashSynOut: try need(d.dash_syn_out, d.dash_syn_out_len, "dash_syn_out"),
            thresholdOut: try need(d.threshold_out, d.threshold_out_len, "threshold_out"),
            biasOut: biasOut,
            weightShiftIn: Int(d.weight_shift_in), weightShiftRec: Int(d.weight_shift_rec),
            weightShiftOut: Int(d.weight_shift_out), aliases: aliases, dt: d.dt,
            biasEnabled: d.bias_enabled == -1 ? anyBias : d.bias_enabled == 1)
        try config.checkSimulatable()
        out.pointee = makeHandle(ConfigBox(config, chip))
    }
}

/// Releases a configuration. NULL is ignored. Simulators created from it stay valid.
@_cdecl("celesta_xylo_config_free")
public func celesta_xylo_config_free(_ config: celesta_xylo_config_ref?) {
    releaseHandle(config, ConfigBox.self)
}

/// Fills `*out` with the dimensions of `config`. `out->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size too small).
/// Thread safety: any thread.
@_cdecl("celesta_xylo_config_dims")
public func celesta_xylo_config_dims(_ out: UnsafeMutablePointer<celesta_xylo_config_dims_t>?, _ config: celesta_xylo_config_cref?) -> Int32 {
    guarded {
        let out = try structOut(out, "out")
        let c = try object(config, ConfigBox.self, "config").config
        store(celesta_xylo_config_dims_t(
            struct_size: 0, n_in: Int32(c.nIn), n_hidden: Int32(c.nHidden), n_out: Int32(c.nOut), n_syn: Int32(c.nSyn),
            n_ien: Int32(c.nIEN), n_oen: Int32(c.nOEN)), to: out)
    }
}

/// The broken chip rules of `config`, "" when it is valid.
private func issues(_ config: celesta_xylo_config_cref?) throws -> (box: ConfigBox, message: String, valid: Bool) {
    let box = try object(config, ConfigBox.self, "config")
    let issues = box.config.validate(for: box.chip)
    return (box, issues.map(\.description).joined(separator: "; "), issues.isEmpty)
}

/// Checks `config` against every limit of its chip (sizes, bit widths and ranges of weights,
/// thresholds, biases, dashes and weight shifts, aliases, recurrent fan-out). Returns
/// CELESTA_OK when it is valid, otherwise CELESTA_ERR_INVALID_CONFIG with a message in
/// celesta_last_error() that lists each broken rule with its field, index and value (the text
/// of celesta_xylo_config_issues()).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_CONFIG. Thread safety: any thread.
@_cdecl("celesta_xylo_config_validate")
public func celesta_xylo_config_validate(_ config: celesta_xylo_config_cref?) -> Int32 {
    guarded {
        let check = try issues(config)
        if !check.valid {
            throw CelestaError(.invalidConfig, "\(check.box.chip.id) configuration is invalid: \(check.message)")
        }
    }
}

/// Writes the broken chip rules of `config` (those of celesta_xylo_config_validate(),
/// "; "-separated; "" when it is valid) into `buf`. Returns CELESTA_OK either way.
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
/// Thread safety: any thread.
@_cdecl("celesta_xylo_config_issues")
public func celesta_xylo_config_issues(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ config: celesta_xylo_config_cref?
) -> Int32 {
    guarded {
        try copyOut(try issues(config).message, to: buf, capacity: cap, len: len)
    }
}

/// Writes `config` as JSON to the file `path`, atomically (a temporary file renamed over the
/// target): a failed call leaves any existing file as it was.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_IO (the message names the path and reason).
/// Thread safety: any thread.
@_cdecl("celesta_xylo_config_save")
public func celesta_xylo_config_save(_ config: celesta_xylo_config_cref?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let c = try object(config, ConfigBox.self, "config").config
        try c.save(to: try requiredString(path, "path"))
    }
}

/// Reads a configuration JSON file written by celesta_xylo_config_save() (or a Xylo reference
/// vector's "config" object with a "chip" key). `*out` receives a new handle on success.
///
/// Errors: CELESTA_ERR_IO, CELESTA_ERR_PARSE (naming the key), CELESTA_ERR_NOT_FOUND (unknown
/// chip), CELESTA_ERR_SHAPE_MISMATCH, CELESTA_ERR_OUT_OF_RANGE. Thread safety: any thread.
@_cdecl("celesta_xylo_config_load")
public func celesta_xylo_config_load(_ out: UnsafeMutablePointer<celesta_xylo_config_ref?>?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let file = try requiredString(path, "path")
        let config = try XyloConfig.load(from: file)
        let chip = try ChipTable.chip(named: config.chipID)
        try config.checkSimulatable()
        out.pointee = makeHandle(ConfigBox(config, chip))
    }
}

/// Parses a configuration from `len` bytes of JSON text at `json` (same format as the files of
/// celesta_xylo_config_save()). `*out` receives a new handle on success.
///
/// Errors: as celesta_xylo_config_load() without CELESTA_ERR_IO. Thread safety: any thread.
@_cdecl("celesta_xylo_config_from_json")
public func celesta_xylo_config_from_json(
    _ out: UnsafeMutablePointer<celesta_xylo_config_ref?>?, _ json: UnsafePointer<CChar>?, _ len: UInt
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let config = try XyloConfig.fromJSON(borrowedData(json, len, "json"))
        let chip = try ChipTable.chip(named: config.chipID)
        try config.checkSimulatable()
        out.pointee = makeHandle(ConfigBox(config, chip))
    }
}

/// Writes `config` as JSON text (with its NUL) into `buf`.
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
/// Thread safety: any thread.
@_cdecl("celesta_xylo_config_to_json")
public func celesta_xylo_config_to_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ config: celesta_xylo_config_cref?
) -> Int32 {
    guarded {
        let c = try object(config, ConfigBox.self, "config").config
        let text = String(decoding: try c.jsonData(), as: UTF8.self)
        try copyOut(text, to: buf, capacity: cap, len: len)
    }
}
