// The table of live handles: what makes a handle typed, checked and locked.
//
// A C handle is not a pointer to its Swift object but a key into this table: a multiple of 16
// value from a counter that only grows, so that a value is never given out twice in a
// process. Looking a handle up is therefore always safe: a freed (or double-freed) handle, a
// handle of another type and a value that never was a handle are all told apart from live
// ones without touching freed memory, and are refused with CELESTA_ERR_INVALID_ARGUMENT.
//
// Every entry carries a recursive lock. `object()` takes it when called inside `guarded` (the
// body of every exported function) and `guarded` drops every lock its call took when the call
// returns, so calls on one handle from several threads are serialised whatever the handle's
// type, while calls on different handles run in parallel. A call that needs a second handle
// while another thread holds it lets go of its locks and takes them all in one global order
// (by handle value), so two calls taking the same two handles cannot deadlock.

import CelestaIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One live handle: its object, its type and its lock.
final class HandleEntry {
    let key: UInt
    let object: AnyObject
    let type: ObjectIdentifier
    let typeName: String
    /// False once the handle is freed (a call waiting for the lock then fails).
    var alive = true
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(key: UInt, object: AnyObject) {
        self.key = key
        self.object = object
        self.type = ObjectIdentifier(Swift.type(of: object))
        self.typeName = HandleTable.cName(Swift.type(of: object))
        mutex = .allocate(capacity: 1)
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attr)
        pthread_mutexattr_destroy(&attr)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }
    func unlock() { pthread_mutex_unlock(mutex) }
}

/// The per-thread state of the exported call in progress: its nesting depth and the handle
/// locks it holds (released by the outermost `guarded`).
final class CallState {
    var depth = 0
    var held: [HandleEntry] = []

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { if let p = $0 { Unmanaged<CallState>.fromOpaque(p).release() } }
        precondition(rc == 0, "celesta: pthread_key_create failed")
        return key
    }()

    static var current: CallState {
        if let p = pthread_getspecific(key) { return Unmanaged<CallState>.fromOpaque(p).takeUnretainedValue() }
        let state = CallState()
        pthread_setspecific(key, Unmanaged.passRetained(state).toOpaque())
        return state
    }

    /// Runs `body` as one exported call: the locks taken inside are dropped when the
    /// outermost call returns.
    @inline(__always)
    func run<R>(_ body: () throws -> R) rethrows -> R {
        depth += 1
        defer {
            depth -= 1
            if depth == 0 && !held.isEmpty {
                for entry in held.reversed() { entry.unlock() }
                held.removeAll(keepingCapacity: true)
            }
        }
        return try body()
    }

    /// Takes `entry`'s lock for the rest of the call (once per call and entry).
    func acquire(_ entry: HandleEntry) {
        if held.contains(where: { $0 === entry }) { return }
        if held.isEmpty || entry.tryLock() {
            if held.isEmpty { entry.lock() }
            held.append(entry)
            return
        }
        // Another thread holds it while this call holds others: let go of all, then take all
        // in the order of their keys, the one order every thread uses when it must wait.
        for e in held.reversed() { e.unlock() }
        held.append(entry)
        held.sort { $0.key < $1.key }
        for e in held { e.lock() }
    }
}

/// The process-wide table of live handles.
final class HandleTable: @unchecked Sendable {
    static let shared = HandleTable()

    /// How many freed handles are remembered by value, to say "freed" (rather than "not a
    /// handle") in the message. Refusal itself does not depend on it: values are never reused.
    static let freedMemory = 4096

    private var mutex = pthread_mutex_t()
    private var live: [UInt: HandleEntry] = [:]
    private var freed: [UInt: String] = [:]
    private var freedOrder: [UInt] = []
    private var freedNext = 0
    /// Keys are multiples of 16 (aligned like pointers), starting at a base no allocation uses
    /// on the platforms we build for (below the 4 KiB page 0 would be refused by some checks).
    private var next: UInt = 0x1000

    private init() { pthread_mutex_init(&mutex, nil) }

    private func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// The C type name of a handle object's class: its `cHandleName` when it has one, else
    /// the Swift class name.
    static func cName(_ type: AnyObject.Type) -> String {
        if let named = type as? CHandleNamed.Type { return named.cHandleName }
        return String(describing: type)
    }

    func insert(_ object: AnyObject) -> OpaquePointer {
        withLock {
            next &+= 16
            let key = next
            live[key] = HandleEntry(key: key, object: object)
            return OpaquePointer(bitPattern: key)!
        }
    }

    /// The entry of a live handle of type `T`, or the error naming the argument `name`.
    private func entry<T: AnyObject>(_ handle: OpaquePointer, _ type: T.Type, _ name: String) throws -> HandleEntry {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        let found: HandleEntry? = withLock { live[key] }
        guard let found else {
            let freedType: String? = withLock { freed[key] }
            if let freedType {
                throw CelestaError(.invalidArgument, "argument '\(name)' is a \(freedType) handle that was freed")
            }
            throw CelestaError(.invalidArgument, "argument '\(name)' (\(handle)) is not a live Celesta handle: freed, or never made by a celesta_*_create call")
        }
        guard found.type == ObjectIdentifier(T.self) else {
            throw CelestaError(.invalidArgument, "argument '\(name)' is a \(found.typeName) handle, not a \(HandleTable.cName(T.self))")
        }
        return found
    }

    func resolve<T: AnyObject>(_ handle: OpaquePointer, _ type: T.Type, _ name: String) throws -> T {
        let found = try entry(handle, T.self, name)
        let call = CallState.current
        if call.depth > 0 {
            call.acquire(found)
            // It may have been freed while this call waited for its lock.
            guard found.alive else {
                throw CelestaError(.invalidArgument, "argument '\(name)' is a \(found.typeName) handle that was freed")
            }
        }
        return unsafeDowncast(found.object, to: T.self)
    }

    func remove<T: AnyObject>(_ handle: OpaquePointer, _ type: T.Type, close: ((T) -> Void)?) {
        let found: HandleEntry
        do {
            found = try entry(handle, T.self, "handle")
        } catch let error as CelestaError {
            _ = fail(CelestaError(.invalidArgument, error.message + "; nothing was freed"))
            return
        } catch { return }
        // Wait for calls in progress on other threads (this thread may hold it already: a
        // free from a progress callback).
        found.lock()
        defer { found.unlock() }
        guard found.alive else { return }
        found.alive = false
        withLock {
            live[found.key] = nil
            if freedOrder.count < HandleTable.freedMemory {
                freedOrder.append(found.key)
            } else {
                freed[freedOrder[freedNext]] = nil
                freedOrder[freedNext] = found.key
                freedNext = (freedNext + 1) % HandleTable.freedMemory
            }
            freed[found.key] = found.typeName
        }
        close?(unsafeDowncast(found.object, to: T.self))
    }
}

/// A handle object that knows its C type name (for messages about wrong-type handles).
protocol CHandleNamed: AnyObject {
    static var cHandleName: String { get }
}

extension IRGraphBox: CHandleNamed { static var cHandleName: String { "celesta_ir_graph_t" } }
extension NetworkBox: CHandleNamed { static var cHandleName: String { "celesta_xylo_network_t" } }
extension SpecBox: CHandleNamed { static var cHandleName: String { "celesta_xylo_spec_t" } }
extension ConfigBox: CHandleNamed { static var cHandleName: String { "celesta_xylo_config_t" } }
extension SimBox: CHandleNamed { static var cHandleName: String { "celesta_xylo_sim_t" } }
extension AFEBox: CHandleNamed { static var cHandleName: String { "celesta_xylo_afe_t" } }
extension AFE2Box: CHandleNamed { static var cHandleName: String { "celesta_xylo_afe2_t" } }
extension HDKBox: CHandleNamed { static var cHandleName: String { "celesta_xylo_hdk_t" } }
