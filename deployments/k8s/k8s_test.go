// Package k8s_test renders the Kubernetes overlays in process (kustomize's
// Go API, as `kubectl apply -k` does) and decodes every object strictly
// into the Kubernetes API types, so that a typo in a manifest fails here.
package k8s_test

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	natsconf "github.com/nats-io/nats-server/v2/conf"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/resellerapi/platform/deployments/cluster"
)

// services are the platform's Deployments.
var services = []string{"auth", "directory", "catalog", "invoicing", "edge", "webhooks"}

// rendered is one overlay's objects, decoded.
type rendered struct {
	deployments  map[string]*appsv1.Deployment
	statefulSets map[string]*appsv1.StatefulSet
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	hpas         map[string]*autoscalingv2.HorizontalPodAutoscaler
	pdbs         map[string]*policyv1.PodDisruptionBudget
	policies     map[string]*networkingv1.NetworkPolicy
	ingresses    map[string]*networkingv1.Ingress
	jobs         map[string]*batchv1.Job
	namespaces   map[string]*corev1.Namespace
}

// render runs kustomize on overlay and decodes every object strictly.
func render(t *testing.T, overlay string) rendered {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), "overlays/"+overlay)
	if err != nil {
		t.Fatalf("kustomize %s: %v", overlay, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	r := rendered{deployments: map[string]*appsv1.Deployment{}, statefulSets: map[string]*appsv1.StatefulSet{},
		services: map[string]*corev1.Service{}, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		hpas: map[string]*autoscalingv2.HorizontalPodAutoscaler{}, pdbs: map[string]*policyv1.PodDisruptionBudget{},
		policies: map[string]*networkingv1.NetworkPolicy{}, ingresses: map[string]*networkingv1.Ingress{},
		jobs: map[string]*batchv1.Job{}, namespaces: map[string]*corev1.Namespace{}}
	for _, doc := range bytes.Split(out, []byte("\n---\n")) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			t.Fatal(err)
		}
		switch tm.APIVersion + "/" + tm.Kind {
		case "apps/v1/Deployment":
			decode(t, doc, r.deployments)
		case "apps/v1/StatefulSet":
			decode(t, doc, r.statefulSets)
		case "v1/Service":
			decode(t, doc, r.services)
		case "v1/ConfigMap":
			decode(t, doc, r.configMaps)
		case "v1/Secret":
			decode(t, doc, r.secrets)
		case "v1/Namespace":
			decode(t, doc, r.namespaces)
		case "autoscaling/v2/HorizontalPodAutoscaler":
			decode(t, doc, r.hpas)
		case "policy/v1/PodDisruptionBudget":
			decode(t, doc, r.pdbs)
		case "networking.k8s.io/v1/NetworkPolicy":
			decode(t, doc, r.policies)
		case "networking.k8s.io/v1/Ingress":
			decode(t, doc, r.ingresses)
		case "batch/v1/Job":
			decode(t, doc, r.jobs)
		default:
			t.Fatalf("%s: %s %s is not decoded by this test: add it", overlay, tm.APIVersion, tm.Kind)
		}
	}
	return r
}

// decode decodes doc strictly (an unknown or misspelt field is an error)
// into a new T and files it by name.
func decode[T any, PT interface {
	*T
	GetName() string
	GetNamespace() string
}](t *testing.T, doc []byte, into map[string]PT) PT {
	t.Helper()
	obj := PT(new(T))
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	into[obj.GetName()] = obj
	return obj
}

// opsKeys are the Secrets of keys that ops make, in every overlay: no
// private key is committed.
var opsKeys = []string{"auth-signing-keys", "auth-event-key", "auth-event-keys"}

func TestOverlaysRenderIntoValidObjects(t *testing.T) {
	for _, overlay := range []struct {
		name, namespace, tag string
		minReplicas          int32
	}{
		{"dev", "resellerapi-dev", "dev", 1},
		{"prod", "resellerapi", "1.0.0", 3},
	} {
		t.Run(overlay.name, func(t *testing.T) {
			r := render(t, overlay.name)
			if _, ok := r.namespaces[overlay.namespace]; !ok {
				t.Errorf("no namespace %s", overlay.namespace)
			}
			for _, name := range services {
				d := r.deployments[name]
				if d == nil {
					t.Fatalf("no Deployment %s", name)
				}
				checkDeployment(t, overlay.namespace, overlay.tag, d)
				if s := r.services[name]; s == nil || s.Spec.Selector["app.kubernetes.io/name"] != name {
					t.Errorf("%s: no Service selecting it", name)
				}
				if h := r.hpas[name]; h == nil || h.Spec.ScaleTargetRef.Name != name || h.Spec.MinReplicas == nil ||
					*h.Spec.MinReplicas != overlay.minReplicas {
					t.Errorf("%s: HorizontalPodAutoscaler %+v, want min %d", name, h, overlay.minReplicas)
				}
				if p := r.pdbs[name]; p == nil || p.Spec.Selector.MatchLabels["app.kubernetes.io/name"] != name {
					t.Errorf("%s: no PodDisruptionBudget", name)
				}
				if p := r.policies[name]; p == nil || p.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"] != name ||
					!slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
					t.Errorf("%s: no NetworkPolicy of its own covering ingress and egress", name)
				}
				// Every ConfigMap and Secret a pod names is rendered, but for
				// those ops create (the signing keys; in prod every Secret).
				for _, ref := range references(d.Spec.Template.Spec) {
					kind, ref := ref[0], ref[1]
					switch {
					case kind == "configmap" && r.configMaps[ref] == nil:
						t.Errorf("%s names ConfigMap %s, which is not rendered", name, ref)
					case kind == "secret" && overlay.name == "dev" && !slices.Contains(opsKeys, ref) && r.secrets[ref] == nil:
						t.Errorf("%s names Secret %s, which dev does not generate", name, ref)
					}
				}
			}
			if p := r.policies["default-deny"]; p == nil || len(p.Spec.PodSelector.MatchLabels) != 0 || len(p.Spec.Ingress)+len(p.Spec.Egress) != 0 {
				t.Error("no default-deny NetworkPolicy over every pod")
			}
			if overlay.name == "prod" && len(r.secrets) != 0 {
				t.Errorf("prod renders Secrets %v: they are created by ops, never committed", keys(r.secrets))
			}

			// Tokens are verified with the JWKS of the auth Service, which
			// the verifiers' NetworkPolicies let them reach.
			for _, cm := range r.configMaps {
				if strings.HasPrefix(cm.Name, "platform-config") && cm.Data["AUTH_JWKS_URL"] != "http://auth:8080/.well-known/jwks.json" {
					t.Errorf("%s: AUTH_JWKS_URL %q, want auth's Service", cm.Name, cm.Data["AUTH_JWKS_URL"])
				}
			}

			// One public Ingress; /admin is not on it.
			ing := r.ingresses["public"]
			if ing == nil {
				t.Fatal("no public Ingress")
			}
			var paths []string
			for _, rule := range ing.Spec.Rules {
				for _, p := range rule.HTTP.Paths {
					paths = append(paths, p.Path)
					if r.services[p.Backend.Service.Name] == nil {
						t.Errorf("ingress path %s goes to Service %s, which is not rendered", p.Path, p.Backend.Service.Name)
					}
				}
			}
			slices.Sort(paths)
			if !slices.Equal(paths, []string{"/.well-known", "/api", "/api/webhooks", "/apidocs", "/oauth"}) {
				t.Errorf("ingress paths %v", paths)
			}
			if overlay.name == "prod" && len(ing.Spec.TLS) == 0 {
				t.Error("prod ingress without TLS")
			}

			// NATS: a 3-node JetStream cluster routing to every node.
			nats := r.statefulSets["nats"]
			if nats == nil || *nats.Spec.Replicas != 3 {
				t.Fatalf("NATS StatefulSet: %+v", nats)
			}
			conf := r.configMaps[configMapName(t, nats.Spec.Template.Spec, "nats-config")].Data["nats.conf"]
			for i := range 3 {
				if !strings.Contains(conf, fmt.Sprintf("nats://nats-%d.nats-headless:6222", i)) || !strings.Contains(conf, "jetstream") {
					t.Errorf("nats.conf does not route to nats-%d with JetStream:\n%s", i, conf)
				}
			}
			// MongoDB: a 3-member replica set; a user per service, the
			// edge's read-only.
			mongo := r.statefulSets["mongodb"]
			if mongo == nil || *mongo.Spec.Replicas != 3 || !slices.Contains(mongo.Spec.Template.Spec.Containers[0].Args, "--replSet") {
				t.Fatalf("MongoDB StatefulSet: %+v", mongo)
			}
			init := r.configMaps[configMapName(t, r.jobs["mongodb-init"].Spec.Template.Spec, "mongodb-init")].Data["init.js"]
			for _, name := range services {
				line := regexp.MustCompile(`(?m)^\s*` + name + `: \[.*\],?$`).FindString(init)
				switch {
				case line == "":
					t.Errorf("no MongoDB user for %s", name)
				case name == "edge" && (strings.Contains(line, "readWrite") || !strings.Contains(line, `role: "read"`)):
					t.Errorf("the edge's MongoDB user may write: %s", line)
				case name != "edge" && !strings.Contains(line, `{role: "readWrite", db: "`+name+`"}`):
					t.Errorf("%s's MongoDB user: %s", name, line)
				}
			}
			for _, s := range r.statefulSets {
				checkPod(t, s.Name, s.Spec.Template.Spec)
				for _, ref := range references(s.Spec.Template.Spec) {
					if overlay.name == "dev" && ref[0] == "secret" && r.secrets[ref[1]] == nil {
						t.Errorf("%s names Secret %s, which dev does not generate", s.Name, ref[1])
					}
				}
			}
			checkNATSUsers(t, conf)
		})
	}
}

// checkNATSUsers parses nats.conf as nats-server does (passwords from the
// environment) and compares its users' permissions with those
// make run-services runs with (and tests).
func checkNATSUsers(t *testing.T, conf string) {
	t.Helper()
	want := cluster.Users()
	t.Setenv("POD_NAME", "nats-0")
	for name := range want {
		t.Setenv(strings.ToUpper(name)+"_PASSWORD", "test-"+name)
	}
	parsed, err := natsconf.Parse(conf)
	if err != nil {
		t.Fatalf("nats.conf: %v", err)
	}
	auth, _ := parsed["authorization"].(map[string]any)
	users, _ := auth["users"].([]any)
	if len(users) != len(want) {
		t.Fatalf("nats.conf has %d users, want %d", len(users), len(want))
	}
	strs := func(v any) []string {
		var out []string
		for _, s := range v.([]any) {
			out = append(out, s.(string))
		}
		return out
	}
	for _, u := range users {
		user := u.(map[string]any)
		name := user["user"].(string)
		perms := user["permissions"].(map[string]any)
		pub := strs(perms["publish"].(map[string]any)["allow"])
		sub := strs(perms["subscribe"].(map[string]any)["allow"])
		if !slices.Equal(pub, want[name].Publish) || !slices.Equal(sub, want[name].Subscribe) || user["password"] != "test-"+name {
			t.Errorf("nats.conf user %s: publish %v subscribe %v, want %v %v (password from %s_PASSWORD)",
				name, pub, sub, want[name].Publish, want[name].Subscribe, strings.ToUpper(name))
		}
	}
}

func checkDeployment(t *testing.T, namespace, tag string, d *appsv1.Deployment) {
	t.Helper()
	if d.Namespace != namespace {
		t.Errorf("%s in namespace %q, want %s", d.Name, d.Namespace, namespace)
	}
	spec := d.Spec.Template.Spec
	checkPod(t, d.Name, spec)
	c := spec.Containers[0]
	if c.Image != "resellerapi/"+d.Name+":"+tag {
		t.Errorf("%s: image %s, want tag %s", d.Name, c.Image, tag)
	}
	if c.LivenessProbe == nil || c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("%s: probes %+v %+v", d.Name, c.LivenessProbe, c.ReadinessProbe)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: mounts a service account token it does not need", d.Name)
	}
	if d.Spec.Template.Labels["app.kubernetes.io/part-of"] != "resellerapi" {
		t.Errorf("%s: pods not labelled part-of resellerapi", d.Name)
	}
}

// checkPod checks what every pod of the platform must do: run as non-root
// on a read-only root filesystem with no privileges, within resources.
func checkPod(t *testing.T, name string, spec corev1.PodSpec) {
	t.Helper()
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		t.Errorf("%s: pod may run as root", name)
	}
	for _, c := range append(spec.InitContainers, spec.Containers...) {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil ||
			*sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("%s/%s: security context %+v", name, c.Name, sc)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() ||
			c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s/%s: resources %+v", name, c.Name, c.Resources)
		}
	}
}

// references lists the ConfigMaps and Secrets a pod names, as
// {"configmap"|"secret", name}.
func references(spec corev1.PodSpec) [][2]string {
	var out [][2]string
	for _, c := range append(spec.InitContainers, spec.Containers...) {
		for _, e := range c.EnvFrom {
			if e.ConfigMapRef != nil {
				out = append(out, [2]string{"configmap", e.ConfigMapRef.Name})
			}
			if e.SecretRef != nil {
				out = append(out, [2]string{"secret", e.SecretRef.Name})
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				out = append(out, [2]string{"secret", e.ValueFrom.SecretKeyRef.Name})
			}
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
				out = append(out, [2]string{"configmap", e.ValueFrom.ConfigMapKeyRef.Name})
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil {
			out = append(out, [2]string{"configmap", v.ConfigMap.Name})
		}
		if v.Secret != nil {
			out = append(out, [2]string{"secret", v.Secret.SecretName})
		}
	}
	return out
}

// configMapName is the rendered name of the ConfigMap a pod mounts whose
// name starts with prefix (generated ones carry a hash suffix).
func configMapName(t *testing.T, spec corev1.PodSpec, prefix string) string {
	t.Helper()
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil && strings.HasPrefix(v.ConfigMap.Name, prefix) {
			return v.ConfigMap.Name
		}
	}
	t.Fatalf("no ConfigMap %s mounted", prefix)
	return ""
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
