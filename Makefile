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
LDLIBS  += -lpthread
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TESTLIB  := $(sort $(wildcard tests/unit/lib/*.c))

.PHONY: all lib tests fuzz clean
all: $(BUILD)/libbpfrt.a $(BUILD)/libbpfrt.so $(BUILD)/bpfrt \
     $(BUILD)/bpfrt-conformance-plugin $(BUILD)/gen-isa-doc
tests: all $(TESTS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(BUILD)/libbpfrt.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libbpfrt.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bpfrt: $(BUILD)/obj/tools/bpfrt.o $(BUILD)/libbpfrt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bpfrt-conformance-plugin: $(BUILD)/obj/tools/conformance_plugin.o $(BUILD)/libbpfrt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

$(BUILD)/gen-isa-doc: $(BUILD)/obj/tools/gen_isa_doc.o $(BUILD)/libbpfrt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the static library (so they may use internal symbols) and
# the small shared test library in tests/unit/lib/.
$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB) $(BUILD)/libbpfrt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TESTLIB) $(BUILD)/libbpfrt.a $(LDFLAGS) $(LDLIBS) -lm

# libFuzzer targets: clang only, always with ASan + UBSan.
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
fuzz: $(FUZZ_BIN)
build-fuzz/%: fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(CSTD) $(WARN) -O1 -g -Iinclude -Isrc -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(LIB_SRC) -lpthread -lm

docs/isa.md: $(BUILD)/gen-isa-doc
	$(BUILD)/gen-isa-doc > $@

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
