/// The vector loops the kernels share: 8 floats at a time, then the tail.
enum CPUMath {
    /// y += a * x over n values.
    @inline(__always)
    static func axpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        var i = 0
        let va = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + va * xv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// y += x over n values (a binary input's event: one weight row added).
    @inline(__always)
    static func add(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= n {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + xv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += x[i]
            i += 1
        }
    }

    /// The dot product of n values (8 partial sums).
    @inline(__always)
    static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n {
            s += x[i] * y[i]
            i += 1
        }
        return s
    }

    /// y += a0 x0 + a1 x1 + a2 x2 + a3 x3 over n values: four rows per pass over y.
    @inline(__always)
    static func axpy4(_ n: Int, _ a: SIMD4<Float>, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
                      _ x3: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let v0 = SIMD8<Float>(repeating: a[0]), v1 = SIMD8<Float>(repeating: a[1])
        let v2 = SIMD8<Float>(repeating: a[2]), v3 = SIMD8<Float>(repeating: a[3])
        var i = 0
        while i + 8 <= n {
            var acc = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += v0 * UnsafeRawPointer(x0 + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += v1 * UnsafeRawPointer(x1 + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += v2 * UnsafeRawPointer(x2 + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += v3 * UnsafeRawPointer(x3 + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: acc, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += a[0] * x0[i] + a[1] * x1[i] + a[2] * x2[i] + a[3] * x3[i]
            i += 1
        }
    }
}
