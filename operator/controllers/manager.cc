#include "operator/controllers/manager.h"

#include "common/kube/resource.h"
#include "operator/controllers/reconcilers.h"
#include "operator/controllers/service_binding.h"

namespace attache::controller {

using nlohmann::json;

namespace {

std::unique_ptr<Informer> makeInformer(kube::KubeClient& client, const kube::ResourceRef& ref,
                                       const std::string& ns,
                                       std::function<json(json)> transform = nullptr,
                                       const std::string& selector = "") {
  InformerOptions options;
  options.ref = ref;
  options.ns = ns;
  options.transform = std::move(transform);
  options.label_selector = selector;
  return std::make_unique<Informer>(client, options);
}

std::string nsOf(const ObjectPtr& obj) {
  return obj ? (*obj)["metadata"].value("namespace", "") : "";
}
std::string nameOf(const ObjectPtr& obj) { return obj ? (*obj)["metadata"].value("name", "") : ""; }
const ObjectPtr& either(const ObjectPtr& a, const ObjectPtr& b) { return a ? a : b; }

int64_t generationOf(const ObjectPtr& obj) {
  return obj ? (*obj)["metadata"].value("generation", int64_t{0}) : 0;
}

}  // namespace

Manager::Manager(kube::KubeClient& client, ManagerOptions options, OperatorMetrics* metrics)
    : client_(client), options_(std::move(options)), metrics_(metrics) {
  const std::string& ns = options_.ns;
  sharded_ = makeInformer(client, kube::kShardedServices, ns);
  bindings_ = makeInformer(client, kube::kServiceBindings, ns);
  pods_ = makeInformer(client, kube::kPods, ns, trimPod);
  statefulsets_ = makeInformer(client, kube::kStatefulSets, ns, trimStatefulSet);
  configmaps_ = makeInformer(client, kube::kConfigMaps, ns, nullptr,
                             std::string(kManagedByLabel) + "=" + kManagedByValue);
  secrets_ = makeInformer(client, kube::kSecrets, ns, trimSecret);
  services_ = makeInformer(client, kube::kServices, ns, trimService);
  ctx_ = std::make_unique<ReconcileContext>(
      ReconcileContext{client, caches(), metrics, options_.identity});
  sharded_controller_ = std::make_unique<Controller>(
      "shardedservice",
      [this](const std::string& key) { return reconcileShardedService(*ctx_, key); }, metrics,
      options_.backoff);
  binding_controller_ = std::make_unique<Controller>(
      "servicebinding",
      [this](const std::string& key) { return reconcileServiceBinding(*ctx_, key); }, metrics,
      options_.backoff);
  wireShardedMappings();
  wireBindingMappings();
  registerMetrics();
}

Manager::~Manager() { stop(); }

Caches Manager::caches() {
  return Caches{sharded_.get(),    bindings_.get(), pods_.get(),    statefulsets_.get(),
                configmaps_.get(), secrets_.get(),  services_.get()};
}

void Manager::wireShardedMappings() {
  sharded_->store().addIndex("statefulset", [](const json& cr) -> std::vector<std::string> {
    const json spec = cr.value("spec", json::object());
    const json sts = spec.value("shards", json::object()).value("statefulSet", json::object());
    if (!sts.contains("name") || !sts["name"].is_string()) return {};
    return {cr["metadata"].value("namespace", "") + "/" + sts["name"].get<std::string>()};
  });
  Controller* ctl = sharded_controller_.get();
  sharded_->addHandler([ctl](ChangeType type, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
    // Our own status writes do not bump the generation: skip them (level-based anyway).
    if (type == ChangeType::kModified && generationOf(old_obj) == generationOf(new_obj) &&
        (*old_obj)["metadata"].value("uid", "") == (*new_obj)["metadata"].value("uid", "")) {
      return;
    }
    ctl->enqueue(objectKey(*either(new_obj, old_obj)));
  });
  Store* by_sts = &sharded_->store();
  auto requeue_users = [ctl, by_sts](const std::string& sts_key) {
    for (const auto& cr : by_sts->byIndex("statefulset", sts_key)) ctl->enqueue(objectKey(*cr));
  };
  pods_->addHandler(
      [requeue_users](ChangeType, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
        const ObjectPtr& pod = either(new_obj, old_obj);
        std::string sts = statefulSetOfPod(nameOf(pod));
        if (!sts.empty()) requeue_users(nsOf(pod) + "/" + sts);
      });
  statefulsets_->addHandler(
      [requeue_users](ChangeType, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
        const ObjectPtr& sts = either(new_obj, old_obj);
        requeue_users(nsOf(sts) + "/" + nameOf(sts));
      });
  Controller* bctl = binding_controller_.get();
  configmaps_->addHandler(
      [ctl, bctl](ChangeType, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
        const ObjectPtr& cm = either(new_obj, old_obj);
        for (const auto& ref : (*cm)["metadata"].value("ownerReferences", json::array())) {
          if (!ref.value("controller", false)) continue;
          std::string key = nsOf(cm) + "/" + ref.value("name", "");
          if (ref.value("kind", "") == "ShardedService") ctl->enqueue(key);
          if (ref.value("kind", "") == "ServiceBinding") bctl->enqueue(key);
        }
      });
}

void Manager::wireBindingMappings() {
  bindings_->store().addIndex("secret", referencedSecrets);
  bindings_->store().addIndex("service", referencedServices);
  Controller* ctl = binding_controller_.get();
  bindings_->addHandler([ctl](ChangeType type, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
    if (type == ChangeType::kModified && generationOf(old_obj) == generationOf(new_obj) &&
        (*old_obj)["metadata"].value("uid", "") == (*new_obj)["metadata"].value("uid", "")) {
      return;
    }
    ctl->enqueue(objectKey(*either(new_obj, old_obj)));
  });
  Store* store = &bindings_->store();
  auto mapper = [ctl, store](const std::string& index) {
    return [ctl, store, index](ChangeType, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
      const ObjectPtr& obj = either(new_obj, old_obj);
      for (const auto& cr : store->byIndex(index, nsOf(obj) + "/" + nameOf(obj))) {
        ctl->enqueue(objectKey(*cr));
      }
    };
  };
  secrets_->addHandler(mapper("secret"));
  services_->addHandler(mapper("service"));
}

void Manager::registerMetrics() {
  if (metrics_ == nullptr) return;
  for (Controller* c : {sharded_controller_.get(), binding_controller_.get()}) {
    metrics_->addGauge("attache_operator_queue_depth", "Keys waiting in the work queue",
                       "controller", c->name(), [c] { return double(c->queue().depth()); });
  }
  for (Informer* inf : {sharded_.get(), bindings_.get(), pods_.get(), statefulsets_.get(),
                        configmaps_.get(), secrets_.get(), services_.get()}) {
    metrics_->addGauge("attache_operator_cached_objects", "Objects in the informer caches",
                       "resource", inf->name(), [inf] { return double(inf->store().size()); });
    metrics_->addGauge("attache_operator_watch_restarts", "Watches started per resource",
                       "resource", inf->name(),
                       [inf] { return double(inf->stats().watches.load()); });
  }
}

void Manager::startInformers() {
  for (Informer* inf : {sharded_.get(), bindings_.get(), pods_.get(), statefulsets_.get(),
                        configmaps_.get(), secrets_.get(), services_.get()}) {
    inf->start();
  }
}

bool Manager::synced() const {
  for (const Informer* inf : {sharded_.get(), bindings_.get(), pods_.get(), statefulsets_.get(),
                              configmaps_.get(), secrets_.get(), services_.get()}) {
    if (!inf->hasSynced()) return false;
  }
  return true;
}

void Manager::startControllers() {
  if (controllers_started_) return;
  controllers_started_ = true;
  sharded_controller_->start(options_.sharded_workers);
  binding_controller_->start(options_.binding_workers);
}

void Manager::stop() {
  if (sharded_controller_) sharded_controller_->stop();
  if (binding_controller_) binding_controller_->stop();
  for (auto* inf : {sharded_.get(), bindings_.get(), pods_.get(), statefulsets_.get(),
                    configmaps_.get(), secrets_.get(), services_.get()}) {
    if (inf) inf->stop();
  }
}

}  // namespace attache::controller
