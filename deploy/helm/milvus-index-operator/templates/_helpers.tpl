{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "mio.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: the release name, prefixed with the chart name unless it already contains it. */}}
{{- define "mio.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "mio.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mio.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mio.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mio.labels" -}}
helm.sh/chart: {{ include "mio.chart" . }}
{{ include "mio.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: milvus-index-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "mio.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mio.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "mio.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the default connection's credentials, or "" for none. */}}
{{- define "mio.defaultConnectionSecret" -}}
{{- if and .Values.defaultConnection.existingSecret .Values.defaultConnection.token -}}
{{- fail "set defaultConnection.existingSecret or defaultConnection.token, not both" -}}
{{- end -}}
{{- if .Values.defaultConnection.existingSecret -}}
{{- .Values.defaultConnection.existingSecret -}}
{{- else if .Values.defaultConnection.token -}}
{{- printf "%s-default-connection" (include "mio.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
RBAC rules on the operator's own resources, shared by both modes. `resources` is a list of plurals.
The finalizers are added and removed with patch/update on the resource itself.
*/}}
{{- define "mio.rules.resources" -}}
- apiGroups: ["index.milvus.io"]
  resources: [{{ range $i, $r := .resources }}{{ if $i }}, {{ end }}{{ quote $r }}{{ end }}]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["index.milvus.io"]
  resources: [{{ range $i, $r := .resources }}{{ if $i }}, {{ end }}{{ printf "%s/status" $r | quote }}{{ end }}]
  verbs: ["get", "patch", "update"]
{{- end -}}

{{- define "mio.rules.events" -}}
# Events through events.k8s.io/v1 only: create, and patch for the series of a repeat.
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}

{{/* operator.resyncPeriod (a duration as --resync-period takes it: 500ms, 10s, 5m, 1h; no unit = seconds) in whole seconds. */}}
{{- define "mio.resyncSeconds" -}}
{{- $d := toString .Values.operator.resyncPeriod -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $d -}}
{{- $unit := default "s" (trimPrefix $number $d) -}}
{{- mulf (float64 $number) (get (dict "ms" 0.001 "s" 1.0 "m" 60.0 "h" 3600.0) $unit) | ceil | int -}}
{{- end -}}

{{/* PromQL label matchers selecting the operator's own series (default: the job of the chart's metrics Service). */}}
{{- define "mio.ruleSelector" -}}
{{- default (printf "job=\"%s-metrics\"" (include "mio.fullname" .)) .Values.prometheusRule.selector -}}
{{- end -}}
