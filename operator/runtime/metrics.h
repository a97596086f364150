// The operator's Prometheus metrics (prometheus-cpp core; served as text by the admin endpoint).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace attache::controller {

class OperatorMetrics {
 public:
  OperatorMetrics();
  ~OperatorMetrics();
  OperatorMetrics(const OperatorMetrics&) = delete;
  OperatorMetrics& operator=(const OperatorMetrics&) = delete;

  // result: "success" | "error" | "requeue"
  void observeReconcile(const std::string& controller, const std::string& result, double seconds);
  // Sampled at scrape time.
  void addGauge(const std::string& name, const std::string& help, const std::string& label_key,
                const std::string& label_value, std::function<double()> sample);
  void countWrite(const std::string& resource, const std::string& verb);
  // Prometheus text exposition.
  std::string render();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attache::controller
