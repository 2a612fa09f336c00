/// Celesta's C-simulation stream: `hls::stream` as a plain FIFO, used by Celesta's own
/// compilation of generated projects (`HLSToolchain.compile`, `compileSuite`) in place of the
/// ap_types folder's `hls_stream.h`. That header builds every stream on `std::deque`,
/// `std::string`, `std::stringstream` and a virtual destructor that prints to `std::cout`;
/// instantiated for each stream type of a project (one per layer in io_stream) it costs g++
/// about half a second of a small project's compile. The generated files are unchanged (they
/// include "hls_stream.h"); `build_lib.sh` and Vitis HLS use their own header.
enum CSimStream {
    static let fileName = "hls_stream.h"
    static let header = #"""
// Celesta's C-simulation hls::stream (written by Celesta for its own C-sim builds): a FIFO with
// the calls of hls::stream (read, write, empty, full, size, read_nb, write_nb, >>, <<).
#ifndef X_HLS_STREAM_SIM_H
#define X_HLS_STREAM_SIM_H
#ifndef __cplusplus
#error C++ is required to include this header file
#endif
#include <cstdio>
#include <string>

namespace hls {
template <typename T> class stream {
    T *buf_;
    unsigned cap_, head_, size_;
    stream(const stream &);
    stream &operator=(const stream &);

  public:
    stream() : buf_(0), cap_(0), head_(0), size_(0) {}
    explicit stream(const char *) : buf_(0), cap_(0), head_(0), size_(0) {}
    explicit stream(const std::string &) : buf_(0), cap_(0), head_(0), size_(0) {}
    ~stream() {
        if (size_) std::fprintf(stderr, "WARNING: hls::stream contains leftover data\n");
        delete[] buf_;
    }
    bool empty() const { return size_ == 0; }
    bool full() const { return false; }
    unsigned size() const { return size_; }
    void write(const T &v) {
        if (size_ == cap_) {
            const unsigned cap = cap_ ? 2 * cap_ : 2;
            T *b = new T[cap];
            for (unsigned i = 0; i < size_; i++) b[i] = buf_[(head_ + i) % cap_];
            delete[] buf_;
            buf_ = b;
            cap_ = cap;
            head_ = 0;
        }
        buf_[(head_ + size_) % cap_] = v;
        size_++;
    }
    T read() {
        if (!size_) {
            std::fprintf(stderr, "ERROR: hls::stream read while empty\n");
            return T();
        }
        T v = buf_[head_];
        head_ = (head_ + 1) % cap_;
        size_--;
        return v;
    }
    void read(T &v) { v = read(); }
    bool read_nb(T &v) {
        if (!size_) return false;
        v = read();
        return true;
    }
    bool write_nb(const T &v) {
        write(v);
        return true;
    }
    void operator>>(T &v) { v = read(); }
    void operator<<(const T &v) { write(v); }
};
} // namespace hls

#endif
"""#
}
