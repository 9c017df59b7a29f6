// Tensor methods: arithmetic, comparison, reductions, shape and conversion.
#include "common.h"

namespace shapeseg {

namespace {

using Unary = at::Tensor (*)(const at::Tensor&);
using BinaryT = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
using BinaryS = at::Tensor (*)(const at::Tensor&, const at::Scalar&);

struct UnaryOp {
  const char* name;
  Unary fn;
};
struct BinaryOp {
  const char* name;
  BinaryT tensorFn;
  BinaryS scalarFn;  // null: the number becomes a 0-d tensor
};

const UnaryOp kUnary[] = {
    {"neg", [](const at::Tensor& t) { return at::neg(t); }},
    {"sqrt", [](const at::Tensor& t) { return at::sqrt(t); }},
    {"rsqrt", [](const at::Tensor& t) { return at::rsqrt(t); }},
    {"exp", [](const at::Tensor& t) { return at::exp(t); }},
    {"log", [](const at::Tensor& t) { return at::log(t); }},
    {"abs", [](const at::Tensor& t) { return at::abs(t); }},
    {"logicalNot", [](const at::Tensor& t) { return at::logical_not(t); }},
    {"isnan", [](const at::Tensor& t) { return at::isnan(t); }},
    {"isfinite", [](const at::Tensor& t) { return at::isfinite(t); }},
    {"relu", [](const at::Tensor& t) { return at::relu(t); }},
    {"sigmoid", [](const at::Tensor& t) { return at::sigmoid(t); }},
    {"tanh", [](const at::Tensor& t) { return at::tanh(t); }},
    {"clone", [](const at::Tensor& t) { return at::clone(t); }},
    {"detach", [](const at::Tensor& t) { return t.detach(); }},
};

const BinaryOp kBinary[] = {
    {"mul", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::mul(a, b); }},
    {"div", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::div(a, b); }},
    {"eq", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::eq(a, b); }},
    {"ne", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::ne(a, b); }},
    {"lt", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::lt(a, b); }},
    {"le", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::le(a, b); }},
    {"gt", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::gt(a, b); }},
    {"ge", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); },
     [](const at::Tensor& a, const at::Scalar& b) { return at::ge(a, b); }},
    {"logicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }, nullptr},
    {"logicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }, nullptr},
    {"matmul", [](const at::Tensor& a, const at::Tensor& b) { return at::matmul(a, b); }, nullptr},
};

/** dims argument of a reduction: absent -> every dim. */
std::vector<int64_t> reduceDims(const Args& a, size_t i, const at::Tensor& t) {
  if (a.has(i)) return a.ints(i);
  std::vector<int64_t> all(t.dim());
  for (int64_t k = 0; k < t.dim(); ++k) all[k] = k;
  return all;
}

Napi::Value undef(const Args& a) { return a.env().Undefined(); }

/** Registers name(x, Tensor other, ...) and nameS(x, number other, ...): ids and numbers are both JS numbers. */
void regBinary(Napi::Env env, Napi::Object exports, const char* name, std::function<Napi::Value(const Args&, bool)> fn) {
  reg(env, exports, name, [fn](const Args& a) { return fn(a, false); });
  reg(env, exports, (std::string(name) + "S").c_str(), [fn](const Args& a) { return fn(a, true); });
}

}  // namespace

void initOps(Napi::Env env, Napi::Object exports) {
  for (const auto& op : kUnary) {
    Unary fn = op.fn;
    reg(env, exports, op.name, [fn](const Args& a) { return wrap(a.env(), fn(a.t(0))); });
  }
  for (const auto& op : kBinary) {
    BinaryT tf = op.tensorFn;
    BinaryS sf = op.scalarFn;
    regBinary(env, exports, op.name, [tf, sf](const Args& a, bool scalar) {
      const at::Tensor& x = a.t(0);
      if (!scalar) return wrap(a.env(), tf(x, a.t(1)));
      return wrap(a.env(), sf ? sf(x, a.scalar(1)) : tf(x, a.scalarTensor(1, x)));
    });
  }
  // add/sub(x, other, alpha?)
  regBinary(env, exports, "add", [](const Args& a, bool scalar) {
    const at::Tensor& x = a.t(0);
    const at::Scalar alpha = a.has(2) ? a.scalar(2) : at::Scalar(1);
    return wrap(a.env(), scalar ? at::add(x, a.scalar(1), alpha) : at::add(x, a.t(1), alpha));
  });
  regBinary(env, exports, "sub", [](const Args& a, bool scalar) {
    const at::Tensor& x = a.t(0);
    const at::Scalar alpha = a.has(2) ? a.scalar(2) : at::Scalar(1);
    return wrap(a.env(), scalar ? at::sub(x, a.scalar(1), alpha) : at::sub(x, a.t(1), alpha));
  });
  reg(env, exports, "pow", [](const Args& a) { return wrap(a.env(), at::pow(a.t(0), a.scalar(1))); });
  reg(env, exports, "clamp", [](const Args& a) {
    c10::optional<at::Scalar> lo, hi;
    if (a.has(1)) lo = a.scalar(1);
    if (a.has(2)) hi = a.scalar(2);
    return wrap(a.env(), at::clamp(a.t(0), lo, hi));
  });

  // In place: return undefined (TS returns `this`).
  regBinary(env, exports, "add_", [](const Args& a, bool scalar) {
    const at::Scalar alpha = a.has(2) ? a.scalar(2) : at::Scalar(1);
    if (scalar) a.t(0).add_(a.scalar(1), alpha);
    else a.t(0).add_(a.t(1), alpha);
    return undef(a);
  });
  regBinary(env, exports, "sub_", [](const Args& a, bool scalar) {
    const at::Scalar alpha = a.has(2) ? a.scalar(2) : at::Scalar(1);
    if (scalar) a.t(0).sub_(a.scalar(1), alpha);
    else a.t(0).sub_(a.t(1), alpha);
    return undef(a);
  });
  regBinary(env, exports, "mul_", [](const Args& a, bool scalar) {
    if (scalar) a.t(0).mul_(a.scalar(1));
    else a.t(0).mul_(a.t(1));
    return undef(a);
  });
  regBinary(env, exports, "div_", [](const Args& a, bool scalar) {
    if (scalar) a.t(0).div_(a.scalar(1));
    else a.t(0).div_(a.t(1));
    return undef(a);
  });
  reg(env, exports, "copy_", [](const Args& a) {
    a.t(0).copy_(a.t(1));
    return undef(a);
  });
  reg(env, exports, "zero_", [](const Args& a) {
    a.t(0).zero_();
    return undef(a);
  });
  reg(env, exports, "fill_", [](const Args& a) {
    a.t(0).fill_(a.scalar(1));
    return undef(a);
  });
  reg(env, exports, "relu_", [](const Args& a) {
    a.t(0).relu_();
    return undef(a);
  });
  // addcmul_(x, a, b, value?, aIsNumber, bIsNumber)
  reg(env, exports, "addcmul_", [](const Args& a) {
    const at::Tensor& x = a.t(0);
    x.addcmul_(a.b(4, false) ? a.scalarTensor(1, x) : a.t(1), a.b(5, false) ? a.scalarTensor(2, x) : a.t(2),
               a.has(3) ? a.scalar(3) : at::Scalar(1));
    return undef(a);
  });

  // Reductions: (x, dims?, keepdim?)
  reg(env, exports, "sum", [](const Args& a) {
    const at::Tensor& x = a.t(0);
    if (!a.has(1) && !a.b(2, false)) return wrap(a.env(), at::sum(x));
    return wrap(a.env(), at::sum(x, reduceDims(a, 1, x), a.b(2, false)));
  });
  reg(env, exports, "mean", [](const Args& a) {
    const at::Tensor& x = a.t(0);
    if (!a.has(1) && !a.b(2, false)) return wrap(a.env(), at::mean(x));
    return wrap(a.env(), at::mean(x, reduceDims(a, 1, x), a.b(2, false)));
  });
  reg(env, exports, "amax", [](const Args& a) { return wrap(a.env(), at::amax(a.t(0), a.has(1) ? a.ints(1) : std::vector<int64_t>{}, a.b(2, false))); });
  reg(env, exports, "amin", [](const Args& a) { return wrap(a.env(), at::amin(a.t(0), a.has(1) ? a.ints(1) : std::vector<int64_t>{}, a.b(2, false))); });
  reg(env, exports, "argmax", [](const Args& a) {
    c10::optional<int64_t> dim;
    if (a.has(1)) dim = a.i64(1);
    return wrap(a.env(), at::argmax(a.t(0), dim, a.b(2, false)));
  });

  // Shape
  reg(env, exports, "reshape", [](const Args& a) { return wrap(a.env(), a.t(0).reshape(a.ints(1))); });
  reg(env, exports, "view", [](const Args& a) { return wrap(a.env(), a.t(0).view(a.ints(1))); });
  reg(env, exports, "permute", [](const Args& a) { return wrap(a.env(), a.t(0).permute(a.ints(1))); });
  reg(env, exports, "transpose", [](const Args& a) { return wrap(a.env(), a.t(0).transpose(a.i64(1), a.i64(2))); });
  reg(env, exports, "squeeze", [](const Args& a) { return wrap(a.env(), a.has(1) ? a.t(0).squeeze(a.i64(1)) : a.t(0).squeeze()); });
  reg(env, exports, "unsqueeze", [](const Args& a) { return wrap(a.env(), a.t(0).unsqueeze(a.i64(1))); });
  reg(env, exports, "expand", [](const Args& a) { return wrap(a.env(), a.t(0).expand(a.ints(1))); });
  reg(env, exports, "flatten", [](const Args& a) { return wrap(a.env(), a.t(0).flatten(a.i64(1, 0), a.i64(2, -1))); });
  reg(env, exports, "narrow", [](const Args& a) { return wrap(a.env(), a.t(0).narrow(a.i64(1), a.i64(2), a.i64(3))); });
  reg(env, exports, "select", [](const Args& a) { return wrap(a.env(), a.t(0).select(a.i64(1), a.i64(2))); });
  reg(env, exports, "indexSelect", [](const Args& a) { return wrap(a.env(), at::index_select(a.t(0), a.i64(1), a.t(2))); });
  reg(env, exports, "gather", [](const Args& a) { return wrap(a.env(), at::gather(a.t(0), a.i64(1), a.t(2))); });
  reg(env, exports, "cumsum", [](const Args& a) { return wrap(a.env(), at::cumsum(a.t(0), a.i64(1))); });
  // sort(x, dim, descending, stable) -> [values, indices]; values carry autograd (ATen's sort backward)
  reg(env, exports, "sort", [](const Args& a) {
    auto r = at::sort(a.t(0), c10::optional<bool>(a.b(3, false)), a.i64(1, -1), a.b(2, false));
    return wrapList(a.env(), {std::get<0>(r), std::get<1>(r)});
  });
  reg(env, exports, "maskedFill", [](const Args& a) { return wrap(a.env(), at::masked_fill(a.t(0), a.t(1), a.scalar(2))); });

  // Conversion: to(x, device?, dtype?, memoryFormat?)
  reg(env, exports, "to", [](const Args& a) {
    const at::Tensor& x = a.t(0);
    auto opts = x.options();
    if (a.has(1)) opts = opts.device(parseDevice(a.s(1)));
    if (a.has(2)) opts = opts.dtype(parseDtype(a.s(2)));
    c10::optional<at::MemoryFormat> fmt;
    if (a.has(3)) fmt = parseMemoryFormat(a.s(3));
    return wrap(a.env(), x.to(opts, /*non_blocking=*/false, /*copy=*/false, fmt));
  });
  reg(env, exports, "contiguous", [](const Args& a) {
    return wrap(a.env(), a.t(0).contiguous(a.has(1) ? parseMemoryFormat(a.s(1)) : at::MemoryFormat::Contiguous));
  });
}

}  // namespace shapeseg
