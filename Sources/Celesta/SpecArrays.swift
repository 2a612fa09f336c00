// Exported C functions: specifications as binary arrays (dimensions, read, create, quantize
// into caller buffers), so that bindings pass them without a JSON round trip.

import CelestaABI
import CelestaIR
import CelestaXylo

/// The arrays of `celesta_xylo_spec_arrays_t` by Rockpool key, with the length each needs.
private struct SpecArrayFields {
    let nHidden: Int
    let fields: [(name: String, pointer: UnsafeMutablePointer<Double>?, length: Int, needed: Int)]
    let aliases: (pointer: UnsafeMutablePointer<Int32>?, length: Int)

    init(_ a: celesta_xylo_spec_arrays_t, nIn: Int, nHidden: Int, nOut: Int, nSyn: Int, nIEN: Int, nOEN: Int) {
        self.nHidden = nHidden
        fields = [
            ("weights_in", a.weights_in, a.weights_in_len, nIn * nIEN * nSyn),
            ("weights_rec", a.weights_rec, a.weights_rec_len, nHidden * nHidden * nSyn),
            ("weights_out", a.weights_out, a.weights_out_len, nOEN * nOut),
            ("dash_mem", a.dash_mem, a.dash_mem_len, nHidden), ("dash_syn", a.dash_syn, a.dash_syn_len, nHidden),
            ("dash_syn_2", a.dash_syn_2, a.dash_syn_2_len, nHidden), ("threshold", a.threshold, a.threshold_len, nHidden),
            ("bias", a.bias, a.bias_len, nHidden), ("dash_mem_out", a.dash_mem_out, a.dash_mem_out_len, nOut),
            ("dash_syn_out", a.dash_syn_out, a.dash_syn_out_len, nOut),
            ("threshold_out", a.threshold_out, a.threshold_out_len, nOut), ("bias_out", a.bias_out, a.bias_out_len, nOut),
        ]
        aliases = (a.aliases, a.aliases_len)
    }

    /// Copies `values` (in the order of `fields`) and the aliases into every non-NULL buffer,
    /// after checking every length (so that nothing is written on error).
    func fill(_ values: [[Double]], aliases targets: [[Int]]) throws {
        try fill(aliases: targets) { k, p in p.update(from: values[k], count: fields[k].needed) }
    }

    /// The same for integer values, converted to doubles on the way.
    func fill(_ values: [[Int]], aliases targets: [[Int]]) throws {
        try fill(aliases: targets) { k, p in
            values[k].withUnsafeBufferPointer { v in
                for i in 0..<fields[k].needed { p[i] = Double(v[i]) }
            }
        }
    }

    private func fill(aliases targets: [[Int]], write: (Int, UnsafeMutablePointer<Double>) -> Void) throws {
        // (A size_t above Int.max reads as a negative Int: a huge length, large enough.)
        for f in fields where f.pointer != nil && f.length >= 0 && f.length < f.needed {
            throw CelestaError(.bufferTooSmall, "field '\(f.name)' holds \(f.length) values but \(f.needed) are needed")
        }
        if aliases.pointer != nil && aliases.length >= 0 && aliases.length < nHidden {
            throw CelestaError(.bufferTooSmall, "field 'aliases' holds \(aliases.length) values but \(nHidden) are needed")
        }
        if let bad = targets.firstIndex(where: { $0.count > 1 }), aliases.pointer != nil {
            throw CelestaError(.unsupported, "'aliases[\(bad)]' has \(targets[bad].count) targets; the int32 form holds one")
        }
        for (k, f) in fields.enumerated() {
            if let p = f.pointer { write(k, p) }
        }
        if let p = aliases.pointer {
            for (i, t) in targets.enumerated() { p[i] = Int32(t.first ?? -1) }
        }
    }

    /// Reads the given arrays: the weights are required, other NULL arrays are zeros.
    func read() throws -> [[Double]] {
        try fields.enumerated().map { k, f in
            guard let p = f.pointer else {
                if k < 3 { throw CelestaError(.nullPointer, "field '\(f.name)' is NULL") }
                return Array(repeating: 0, count: f.needed)
            }
            guard f.length == f.needed else {
                throw CelestaError(.shapeMismatch, "field '\(f.name)' has \(f.length) values but needs \(f.needed)")
            }
            return Array(UnsafeBufferPointer(start: p, count: f.needed))
        }
    }

    /// The aliases given (none when NULL), each a hidden id or -1.
    func readAliases() throws -> [[Int]] {
        guard let p = aliases.pointer else { return Array(repeating: [], count: nHidden) }
        guard aliases.length == nHidden else {
            throw CelestaError(.shapeMismatch, "field 'aliases' has \(aliases.length) values but needs \(nHidden)")
        }
        return UnsafeBufferPointer(start: p, count: nHidden).map { $0 < 0 ? [] : [Int($0)] }
    }
}

private extension XyloSpecification {
    var arrays: [[Double]] {
        [weightsIn, weightsRec, weightsOut, dashMem, dashSyn, dashSyn2, threshold, bias, dashMemOut, dashSynOut, thresholdOut, biasOut]
    }

    func fields(_ a: celesta_xylo_spec_arrays_t) -> SpecArrayFields {
        SpecArrayFields(a, nIn: nIn, nHidden: nHidden, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN)
    }
}

/// Fills `*out` with the dimensions and scalars of `spec`, from which the lengths of the arrays
/// of celesta_xylo_spec_read() follow. `out->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size too small).
/// Thread safety: any thread.
@_cdecl("celesta_xylo_spec_dims")
public func celesta_xylo_spec_dims(_ out: UnsafeMutablePointer<celesta_xylo_spec_dims_t>?, _ spec: celesta_xylo_spec_cref?) -> Int32 {
    guarded {
        let out = try structOut(out, "out")
        let s = try object(spec, SpecBox.self, "spec").spec
        let chip = (try? ChipTable.chip(named: s.chipID)).flatMap { chipIDCString($0.id) }
        store(celesta_xylo_spec_dims_t(
            struct_size: 0, chip: chip, n_in: Int32(s.nIn), n_hidden: Int32(s.nHidden), n_out: Int32(s.nOut), n_syn: Int32(s.nSyn),
            n_ien: Int32(s.nIEN), n_oen: Int32(s.nOEN), weight_shift_in: Int32(truncatingIfNeeded: s.weightShiftIn),
            weight_shift_rec: Int32(truncatingIfNeeded: s.weightShiftRec),
            weight_shift_out: Int32(truncatingIfNeeded: s.weightShiftOut),
            weights_ndim: s.presentsTwoDimensionalWeights ? 2 : 3, dt: s.dt), to: out)
    }
}

/// Copies the arrays of `spec` into the non-NULL buffers of `*arrays` (shapes and lengths as
/// documented at celesta_xylo_spec_arrays_t; celesta_xylo_spec_dims() gives the dimensions).
/// `arrays->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size too small), CELESTA_ERR_BUFFER_TOO_SMALL (naming the field; nothing is
/// written then), CELESTA_ERR_UNSUPPORTED (aliases requested while a neuron has more than one
/// alias target). Thread safety: any thread.
@_cdecl("celesta_xylo_spec_read")
public func celesta_xylo_spec_read(_ arrays: UnsafePointer<celesta_xylo_spec_arrays_t>?, _ spec: celesta_xylo_spec_cref?) -> Int32 {
    guarded {
        let a = try structIn(arrays, "arrays")
        let s = try object(spec, SpecBox.self, "spec").spec
        try s.fields(a).fill(s.arrays, aliases: s.aliases)
    }
}

/// Creates a real-valued specification from `*dims` and the arrays of `*arrays` (copied;
/// nothing is kept): what the quantizers take. Both structs need their struct_size set.
///
/// On success `*out` receives a new handle to release with celesta_xylo_spec_free(); on error it is
/// left untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (an unknown chip),
/// CELESTA_ERR_SHAPE_MISMATCH (a length, naming the field), CELESTA_ERR_OUT_OF_RANGE
/// (dimensions, n_syn, dt, or a non-finite value naming the field and index). Thread safety:
/// any thread.
@_cdecl("celesta_xylo_spec_create")
public func celesta_xylo_spec_create(
    _ out: UnsafeMutablePointer<celesta_xylo_spec_ref?>?, _ dims: UnsafePointer<celesta_xylo_spec_dims_t>?,
    _ arrays: UnsafePointer<celesta_xylo_spec_arrays_t>?
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let d = try structIn(dims, "dims")
        let a = try structIn(arrays, "arrays")
        let name = d.chip.map { String(cString: $0) } ?? ""
        let chipID = name.isEmpty ? "" : try ChipTable.chip(named: name).id
        let sizes = [d.n_in, d.n_hidden, d.n_out, d.n_syn, d.n_ien, d.n_oen].map(Int.init)
        // Bounded so that the array lengths (products of three dimensions) cannot overflow.
        guard sizes.allSatisfy({ (0...(1 << 20)).contains($0) }) else {
            throw CelestaError(
                .outOfRange,
                "dimensions n_in=\(d.n_in) n_hidden=\(d.n_hidden) n_out=\(d.n_out) n_syn=\(d.n_syn) n_ien=\(d.n_ien) n_oen=\(d.n_oen) must be in 0...\(1 << 20)")
        }
        let fields = SpecArrayFields(
            a, nIn: sizes[0], nHidden: sizes[1], nOut: sizes[2], nSyn: sizes[3], nIEN: sizes[4], nOEN: sizes[5])
        let v = try fields.read()
        let spec = try XyloSpecification(
            chipID: chipID, nIn: sizes[0], nHidden: sizes[1], nOut: sizes[2], nSyn: sizes[3], nIEN: sizes[4],
            nOEN: sizes[5], weightsIn: v[0], weightsRec: v[1], weightsOut: v[2], dashMem: v[3], dashSyn: v[4],
            dashSyn2: v[5], threshold: v[6], bias: v[7], dashMemOut: v[8], dashSynOut: v[9], thresholdOut: v[10],
            biasOut: v[11], weightShiftIn: Int(d.weight_shift_in), weightShiftRec: Int(d.weight_shift_rec),
            weightShiftOut: Int(d.weight_shift_out), aliases: try fields.readAliases(), dt: d.dt,
            presentsTwoDimensionalWeights: d.weights_ndim == 2)
        out.pointee = makeHandle(SpecBox(spec))
    }
}

/// Quantizes `spec` as celesta_xylo_spec_quantize_json() does (`method` a celesta_xylo_quantize_method)
/// and writes the integer results, as doubles, into the non-NULL buffers of `*out` (the
/// shapes of `spec`; values are not clipped and need not fit the chip, they fit in 53 bits).
/// The aliases buffer receives the specification's aliases. `out->struct_size` must be set.
///
/// Errors: as celesta_xylo_spec_quantize_json(), plus CELESTA_ERR_BUFFER_TOO_SMALL and
/// CELESTA_ERR_UNSUPPORTED as celesta_xylo_spec_read(). Thread safety: any thread.
@_cdecl("celesta_xylo_spec_quantize_read")
public func celesta_xylo_spec_quantize_read(
    _ out: UnsafePointer<celesta_xylo_spec_arrays_t>?,
    _ spec: celesta_xylo_spec_cref?, _ method: Int32, _ weight_bits: Int32, _ threshold_bits: Int32
) -> Int32 {
    guarded {
        let a = try structIn(out, "out")
        let s = try object(spec, SpecBox.self, "spec").spec
        let q = try quantize(s, method, weight_bits, threshold_bits)
        let ints = [q.weightsIn, q.weightsRec, q.weightsOut, q.dashMem, q.dashSyn, q.dashSyn2, q.threshold, q.bias,
                    q.dashMemOut, q.dashSynOut, q.thresholdOut, q.biasOut]
        try s.fields(a).fill(ints, aliases: q.aliases)
    }
}
