// Validation workload for tools/trace-corpus.py (not tuned on): the
// compiler proper (cc1plus -O2) on a small program that pulls in much of
// the C++ standard library.
#include <map>
#include <vector>
#include <string>
#include <algorithm>
#include <unordered_map>
#include <sstream>
#include <iostream>
#include <memory>
#include <functional>
template <class T> struct Tree { std::map<std::string, std::vector<T>> m; void add(const std::string &k, T v) { m[k].push_back(v); } };
int main() {
  Tree<int> t; std::unordered_map<int, std::string> u; std::ostringstream os;
  for (int i = 0; i < 1000; i++) { t.add(std::to_string(i % 17), i); u[i] = std::to_string(i); os << i; }
  std::vector<std::function<int(int)>> fs; for (int i = 0; i < 10; i++) fs.push_back([i](int x) { return x * i; });
  std::sort(fs.begin(), fs.end(), [](auto &a, auto &b) { return a(1) < b(1); });
  auto p = std::make_shared<Tree<double>>(); p->add("x", 1.0);
  std::cout << t.m.size() << u.size() << os.str().size() << std::endl;
}
