import CelestaIR
import CelestaXylo

/// Payload encodings of the wire format's larger answers (see `HDKWire`).
enum HDKWireMessages {
    static func encode(_ block: HDKReadoutBlock, into w: inout ByteWriter) {
        let r = block.result
        w.u64(UInt64(bitPattern: Int64(block.firstTimestep)))
        w.count(r.steps)
        w.count(r.nHidden)
        w.count(r.nOut)
        w.u8((r.recorded ? 1 : 0) | (r.hibernation.isEmpty ? 0 : 2))
        ints(block.inputRaster, &w)
        for array in [r.spikesOut] + (r.recorded ? [r.vmem, r.isyn, r.isyn2, r.spikes, r.vmemOut, r.isynOut] : []) + [r.hibernation] {
            ints(array, &w)
        }
        w.count(block.overruns.count)
        for t in block.overruns { w.u64(UInt64(bitPattern: Int64(t))) }
    }

    static func decodeReadouts(_ r: inout ByteReader) throws -> HDKReadoutBlock {
        let first = Int(Int64(bitPattern: try r.u64()))
        let steps = Int(try r.u32()), nH = Int(try r.u32()), nOut = Int(try r.u32())
        let flags = try r.u8()
        let recorded = flags & 1 != 0
        let raster = try ints(&r)
        // Every array is read (bounded by the message) and its length checked before the
        // result is built, so a corrupt header cannot make it allocate more than was sent.
        func take(_ width: Int, _ name: String) throws -> [Int32] {
            let values = try ints(&r)
            let (needed, overflow) = steps.multipliedReportingOverflow(by: width)
            guard !overflow, values.count == needed else {
                throw CelestaError(.parse, "readout '\(name)' has \(values.count) values; \(steps) steps x \(width) do not match")
            }
            return values
        }
        let spikesOut = try take(nOut, "spikes_out")
        let states = recorded
            ? [try take(nH, "Vmem"), try take(nH, "Isyn"), try take(nH, "Isyn2"), try take(nH, "Spikes"),
               try take(nOut, "Vmem_out"), try take(nOut, "Isyn_out")]
            : []
        let hib = try ints(&r)
        guard flags & 2 == 0 || hib.count == steps else {
            throw CelestaError(.parse, "readout hibernation has \(hib.count) values for \(steps) steps")
        }
        // (The zero arrays the result starts with have the lengths just checked.)
        var result = XyloSimulationResult(steps: steps, nHidden: nH, nOut: nOut, record: recorded, hibernation: false)
        result.spikesOut = spikesOut
        if recorded {
            (result.vmem, result.isyn, result.isyn2, result.spikes) = (states[0], states[1], states[2], states[3])
            (result.vmemOut, result.isynOut) = (states[4], states[5])
        }
        if flags & 2 != 0 { result.hibernation = hib }
        let n = try r.count(elementSize: 8)
        var overruns: [Int] = []
        overruns.reserveCapacity(n)
        for _ in 0..<n { overruns.append(Int(Int64(bitPattern: try r.u64()))) }
        return HDKReadoutBlock(firstTimestep: first, result: result, inputRaster: raster, overruns: overruns)
    }

    /// An input raster: first time step (u64), steps and channels (u32 each), then one byte
    /// per count, row-major (every count fits a byte: `HDKInputRaster` holds 0...255).
    static func encode(_ raster: HDKInputRaster, into w: inout ByteWriter) {
        w.u64(UInt64(bitPattern: Int64(raster.firstTimestep)))
        w.count(raster.steps)
        w.count(raster.channels)
        w.bytes.reserveCapacity(w.bytes.count + raster.counts.count)
        for v in raster.counts { w.u8(UInt8(truncatingIfNeeded: v)) }
    }

    static func decodeRaster(_ r: inout ByteReader) throws -> HDKInputRaster {
        let first = Int(Int64(bitPattern: try r.u64()))
        let steps = Int(try r.u32()), channels = Int(try r.u32())
        let (n, overflow) = steps.multipliedReportingOverflow(by: channels)
        guard !overflow, n == r.remaining else {
            throw CelestaError(.parse, "input raster of [\(steps)][\(channels)] does not match its \(r.remaining) count bytes")
        }
        return try HDKInputRaster(firstTimestep: first, steps: steps, channels: channels, bytes: try r.raw(n))
    }

    static func encode(_ samples: [HDKPowerSample], rails: Int, into w: inout ByteWriter) {
        w.count(samples.count)
        w.count(rails)
        for s in samples {
            w.f64(s.time)
            for k in 0..<rails { w.f64(k < s.watts.count ? s.watts[k] : 0) }
        }
    }

    static func decodePower(_ r: inout ByteReader) throws -> [HDKPowerSample] {
        let n = Int(try r.u32())
        let rails = Int(try r.u32())
        guard rails <= 64, n.multipliedReportingOverflow(by: 8 * (rails + 1)).partialValue <= r.remaining else {
            throw CelestaError(.parse, "power answer of \(n) samples x \(rails) rails exceeds the message")
        }
        var samples: [HDKPowerSample] = []
        for _ in 0..<n {
            let t = try r.f64()
            var watts: [Double] = []
            for _ in 0..<rails { watts.append(try r.f64()) }
            samples.append(HDKPowerSample(time: t, watts: watts))
        }
        return samples
    }

    static func ints(_ values: [Int32], _ w: inout ByteWriter) {
        w.count(values.count)
        w.bytes.reserveCapacity(w.bytes.count + 4 * values.count)
        for v in values { w.i32(v) }
    }

    static func ints(_ r: inout ByteReader) throws -> [Int32] {
        let n = try r.count(elementSize: 4)
        var values = [Int32]()
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try r.i32()) }
        return values
    }

    static func strings(_ values: [String], _ w: inout ByteWriter) {
        w.count(values.count)
        for s in values {
            let utf8 = Array(s.utf8)
            w.count(utf8.count)
            w.bytes.append(contentsOf: utf8)
        }
    }

    static func strings(_ r: inout ByteReader) throws -> [String] {
        let n = try r.count(elementSize: 4)
        var out: [String] = []
        for _ in 0..<n {
            let len = try r.count(elementSize: 1)
            var bytes: [UInt8] = []
            for _ in 0..<len { bytes.append(try r.u8()) }
            out.append(String(decoding: bytes, as: UTF8.self))
        }
        return out
    }
}
