{{/* Chart name. */}}
{{- define "attache.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name prefix: <release>-attache, or the release name when it contains the chart name. */}}
{{- define "attache.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "attache.operator.fullname" -}}
{{- printf "%s-operator" (include "attache.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "attache.webhook.fullname" -}}
{{- printf "%s-webhook" (include "attache.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "attache.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "attache.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: attache
{{- end }}

{{/* Selector labels of one component: include with (dict "ctx" $ "component" "operator"). */}}
{{- define "attache.selectorLabels" -}}
app.kubernetes.io/name: {{ include "attache.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "attache.tag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* Image reference of one component: include with (dict "ctx" $ "image" "webhook"). */}}
{{- define "attache.image" -}}
{{- $repo := index .ctx.Values.image .image }}
{{- if .ctx.Values.image.registry }}
{{- printf "%s/%s:%s" .ctx.Values.image.registry $repo (include "attache.tag" .ctx) }}
{{- else }}
{{- printf "%s:%s" $repo (include "attache.tag" .ctx) }}
{{- end }}
{{- end }}

{{/* Namespaces the webhook never injects. */}}
{{- define "attache.excludedNamespaces" -}}
{{- $ns := list "kube-system" "kube-public" "kube-node-lease" .Release.Namespace }}
{{- range .Values.webhook.excludedNamespaces }}{{ $ns = append $ns . }}{{ end }}
{{- $ns | uniq | toJson }}
{{- end }}

{{/* Name of the webhook's serving-certificate Secret. */}}
{{- define "attache.webhook.tlsSecret" -}}
{{- printf "%s-tls" (include "attache.webhook.fullname" .) }}
{{- end }}

{{- define "attache.validate" -}}
{{- if not (has .Values.webhook.failurePolicy (list "Fail" "Ignore")) }}
{{- fail "webhook.failurePolicy must be Fail or Ignore" }}
{{- end }}
{{- if or (lt (int .Values.webhook.timeoutSeconds) 1) (gt (int .Values.webhook.timeoutSeconds) 30) }}
{{- fail "webhook.timeoutSeconds must be between 1 and 30" }}
{{- end }}
{{- if not (has .Values.webhook.reinvocationPolicy (list "Never" "IfNeeded")) }}
{{- fail "webhook.reinvocationPolicy must be Never or IfNeeded" }}
{{- end }}
{{- if not (has .Values.webhook.certificates.mode (list "self" "certManager")) }}
{{- fail "webhook.certificates.mode must be self or certManager" }}
{{- end }}
{{- if not (has (toString .Values.webhook.nativeSidecar) (list "auto" "true" "false")) }}
{{- fail "webhook.nativeSidecar must be auto, true or false" }}
{{- end }}
{{- if not (has .Values.logLevel (list "trace" "debug" "info" "warn" "error")) }}
{{- fail "logLevel must be one of trace, debug, info, warn, error" }}
{{- end }}
{{- end }}
