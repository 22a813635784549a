# bpfrt build.  `make` builds the library, the CLI and the conformance plugin
# into build/; `make SAN=1` builds the same into build-san/ under
# AddressSanitizer + UBSan; `make fuzz` builds the libFuzzer targets (clang).
CC      ?= cc
SAN     ?= 0
BUILD   ?= $(if $(filter 1,$(SAN)),build-san,build)

CSTD     = -std=c17 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -fvisibility=hidden -Iinclude -Isrc
LDLIBS  += -lpthread -lelf -lxdp -lbpf -lz
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TESTLIB  := $(sort $(wildcard tests/unit/lib/*.c))
CORPUS_SRC := $(sort $(wildcard tests/corpus/*.bpf.c))
CORPUS_OBJ := $(CORPUS_SRC:tests/corpus/%.bpf.c=$(BUILD)/corpus/%.bpf.o)
TTOOL_SRC  := $(sort $(wildcard tests/tools/*.c))
TTOOLS     := $(TTOOL_SRC:tests/tools/%.c=$(BUILD)/ttools/%)

.PHONY: all lib tests fuzz clean
all: $(BUILD)/libbpfrt.a $(BUILD)/libbpfrt.so $(BUILD)/bpfrt \
     $(BUILD)/bpfrt-conformance-plugin $(BUILD)/gen-isa-doc
tests: all $(TESTS) $(CORPUS_OBJ) $(TTOOLS)

# The eBPF C corpus, compiled the way users build for the kernel.
BPF_CFLAGS := -O2 -g -target bpf -I/usr/include/$(shell $(CC) -dumpmachine) -Itests/corpus
$(BUILD)/corpus/%.bpf.o: tests/corpus/%.bpf.c $(wildcard tests/corpus/*.h)
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(BUILD)/libbpfrt.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libbpfrt.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The CLI: main + one file per command group (tools/cli.h); libpcap for
# test-run's captures.
CLI_SRC := tools/bpfrt.c $(sort $(wildcard tools/cli_*.c)) tools/elfcode.c
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/bpfrt: $(CLI_OBJ) $(BUILD)/libbpfrt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lelf -lpcap

$(BUILD)/bpfrt-conformance-plugin: $(BUILD)/obj/tools/conformance_plugin.o $(BUILD)/obj/tools/elfcode.o $(BUILD)/libbpfrt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lelf -lm

$(BUILD)/gen-isa-doc: $(BUILD)/obj/tools/gen_isa_doc.o $(BUILD)/libbpfrt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the static library (so they may use internal symbols) and
# the small shared test library in tests/unit/lib/.
$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB) $(BUILD)/libbpfrt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TESTLIB) $(BUILD)/libbpfrt.a $(LDFLAGS) $(LDLIBS) -lm

# Test tools (the kernel oracle, capture writers): libbpf + libpcap.
$(BUILD)/ttools/%: tests/tools/%.c $(wildcard tests/tools/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/tools -o $@ $< $(LDFLAGS) -lbpf -lelf -lz -lpcap

# libFuzzer targets: clang only, always with ASan + UBSan.
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
FUZZ_OBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
FUZZ_CFLAGS = $(CSTD) $(WARN) -O1 -g -Iinclude -Isrc -fno-omit-frame-pointer -fno-sanitize-recover=undefined
fuzz: $(FUZZ_BIN)
# The library is compiled once with coverage instrumentation and shared by
# every target; only the targets link libFuzzer's main.
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
build-fuzz/%: fuzz/%.c $(FUZZ_OBJ) $(wildcard fuzz/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OBJ) \
	    $(LDLIBS) -lm

docs/isa.md: $(BUILD)/gen-isa-doc
	$(BUILD)/gen-isa-doc > $@

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj build-fuzz/obj -name '*.d' 2>/dev/null)

# Verifier cases in C (tests/verifier/*.bpf.c), compiled like the corpus;
# tests/unit/test_verifier.c reads them from $(BUILD)/verifier.
VERIFIER_SRC := $(sort $(wildcard tests/verifier/*.bpf.c))
VERIFIER_OBJ := $(VERIFIER_SRC:tests/verifier/%.bpf.c=$(BUILD)/verifier/%.bpf.o)
tests: $(VERIFIER_OBJ)
$(BUILD)/verifier/%.bpf.o: tests/verifier/%.bpf.c $(wildcard tests/verifier/*.h)
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c $< -o $@

# ---- benchmarks (bench/): `make bench` builds and runs them --------------
# Each program in bench/progs is compiled three ways: to eBPF (bpfrt's
# engines and the kernel's JIT) and natively by gcc -O2 and clang -O2.
BENCH_PROGS := $(basename $(notdir $(wildcard bench/progs/*.c)))
BENCH_BPF   := $(BENCH_PROGS:%=$(BUILD)/bench/%.bpf.o)
BENCH_NAT   := $(BENCH_PROGS:%=$(BUILD)/bench/%.gcc.o) $(BENCH_PROGS:%=$(BUILD)/bench/%.clang.o)
$(BUILD)/bench/%.bpf.o: bench/progs/%.c bench/progs/bench.h
	@mkdir -p $(dir $@)
	clang -O2 -g -target bpf -I/usr/include/$(shell $(CC) -dumpmachine) -c $< -o $@
$(BUILD)/bench/%.gcc.o: bench/progs/%.c bench/progs/bench.h
	@mkdir -p $(dir $@)
	gcc -O2 -DBENCH_SUFFIX=_gcc -c $< -o $@
$(BUILD)/bench/%.clang.o: bench/progs/%.c bench/progs/bench.h
	@mkdir -p $(dir $@)
	clang -O2 -DBENCH_SUFFIX=_clang -c $< -o $@
$(BUILD)/bench/bench: bench/bench.c $(BENCH_NAT) $(BUILD)/libbpfrt.a
	$(CC) $(CFLAGS) -Ibench -o $@ $< $(BENCH_NAT) $(BUILD)/libbpfrt.a $(LDFLAGS) $(LDLIBS)
# The differential corpus' packet programs over their captures: per-packet
# test-run cost of bpfrt's engines against the kernel's (bench/pkt_bench.c).
# `make bench-pkt` runs it alone; `make bench` prints it after its table.
PKT_BENCH_DEPS := $(BUILD)/bench/pkt_bench $(CORPUS_OBJ) $(BUILD)/ttools/mkpcap
PKT_BENCH_RUN   = $(BUILD)/ttools/mkpcap $(BUILD)/diff && $(BUILD)/bench/pkt_bench --build $(BUILD)
$(BUILD)/bench/pkt_bench: bench/pkt_bench.c $(BUILD)/libbpfrt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libbpfrt.a $(LDFLAGS) $(LDLIBS) -lpcap
# Verification time of the corpus against the kernel's load time.
$(BUILD)/bench/verify_bench: bench/verify_bench.c $(BUILD)/libbpfrt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(BUILD)/libbpfrt.a $(LDFLAGS) $(LDLIBS) -lm
.PHONY: bench bench-pkt bench-verify
bench: $(BUILD)/bench/bench $(BENCH_BPF) $(PKT_BENCH_DEPS) $(BUILD)/bench/verify_bench
	$(BUILD)/bench/bench $(BUILD)/bench
	$(PKT_BENCH_RUN)
	$(BUILD)/bench/verify_bench $(BUILD)/corpus
bench-pkt: $(PKT_BENCH_DEPS)
	$(PKT_BENCH_RUN)
bench-verify: $(BUILD)/bench/verify_bench $(CORPUS_OBJ)
	$(BUILD)/bench/verify_bench $(BUILD)/corpus
