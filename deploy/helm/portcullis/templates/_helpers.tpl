{{/* Chart name, truncated to the 63-character DNS label limit. */}}
{{- define "portcullis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, or "<release>-<chart>" when the release name does not
already contain the chart name.
*/}}
{{- define "portcullis.fullname" -}}
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

{{- define "portcullis.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object (Helm / Kubernetes recommended labels). */}}
{{- define "portcullis.labels" -}}
helm.sh/chart: {{ include "portcullis.chart" . }}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: gateway
app.kubernetes.io/part-of: portcullis
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Immutable selector labels: never add to these (Deployment selectors cannot change). */}}
{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portcullis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "portcullis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "portcullis.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* No image is published yet: an empty repository fails here, at install time, with the fix,
rather than as ImagePullBackOff on the nodes. docs/install.md#container-image */}}
{{- define "portcullis.image" -}}
{{- if not .Values.image.repository }}
{{- fail (printf "image.repository is not set: Portcullis publishes no image yet. Build one from the Dockerfile (docker build -t portcullis:%s .), make it available to the cluster (kind load docker-image portcullis:%s, or push it to your registry), then --set image.repository=portcullis (or your registry's name). See docs/install.md#container-image" .Chart.AppVersion .Chart.AppVersion) }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- /*
The watched namespaces, comma-separated (watchNamespace, then watchNamespaces; duplicates dropped);
empty: all namespaces. RBAC becomes one Role per namespace (docs/controller-scale.md#namespaces).
*/}}
{{- define "portcullis.watchNamespaces" -}}
{{- $list := list -}}
{{- with .Values.watchNamespace }}{{ $list = append $list . }}{{ end -}}
{{- range .Values.watchNamespaces }}{{ $list = append $list . }}{{ end -}}
{{- $list | uniq | join "," -}}
{{- end }}

{{- define "portcullis.leaseName" -}}
{{- default (printf "%s-leader" (include "portcullis.fullname" .)) .Values.leaderElection.leaseName | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "portcullis.internalServiceName" -}}
{{- printf "%s-internal" (include "portcullis.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/* Host names for --admin-allowed-hosts: the internal Service's names, then adminAllowedHosts. */}}
{{- define "portcullis.adminAllowedHosts" -}}
{{- $names := list -}}
{{- if .Values.internalService.enabled -}}
{{- $svc := include "portcullis.internalServiceName" . -}}
{{- $ns := .Release.Namespace -}}
{{- $names = list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain) -}}
{{- end -}}
{{- join "," (concat $names .Values.adminAllowedHosts) -}}
{{- end }}

{{/*
"true" when the TLS listener reads a PROXY protocol header (docs/client-ip.md): tls.proxyProtocol
when set, else proxy.proxyProtocol (a balancer sending the header usually sends it on every port).
*/}}
{{- define "portcullis.tlsProxyProtocol" -}}
{{- if kindIs "invalid" .Values.tls.proxyProtocol -}}
{{- if .Values.proxy.proxyProtocol }}true{{ end -}}
{{- else if .Values.tls.proxyProtocol -}}
true
{{- end -}}
{{- end }}

{{/* Standalone mode: the ConfigMap the chart renders from standalone.config. */}}
{{- define "portcullis.standaloneConfigMapName" -}}
{{- printf "%s-config" (include "portcullis.fullname" . | trunc 56 | trimSuffix "-") }}
{{- end }}

{{/*
Standalone mode: checks that exactly one kong.yml source is given (as Kong's chart does for
dblessConfig) and that controller mode is not handed standalone settings it would ignore.
*/}}
{{- define "portcullis.checkMode" -}}
{{- $s := .Values.standalone -}}
{{- $sources := add ($s.config | len | min 1) ($s.existingConfigMap | len | min 1) ($s.existingSecret | len | min 1) -}}
{{- if eq .Values.mode "standalone" -}}
{{- if ne (int $sources) 1 -}}
{{- fail "mode: standalone needs exactly one of standalone.config, standalone.existingConfigMap and standalone.existingSecret" -}}
{{- end -}}
{{- if or .Values.watchNamespace .Values.watchNamespaces .Values.hostPolicy.rules -}}
{{- fail "watchNamespace and hostPolicy.rules apply to mode: controller only (standalone serves every route in its kong.yml)" -}}
{{- end -}}
{{- else if gt (int $sources) 0 -}}
{{- fail "standalone.config / existingConfigMap / existingSecret are only read with mode: standalone" -}}
{{- end -}}
{{- end }}

{{/*
The old-space size (MiB) for resources.limits.memory: 60 % of it, at least 64, as the gateway
derives itself from the cgroup (src/cli/heap-limit.ts, docs/controller-memory.md). Set through
NODE_OPTIONS so the process need not start itself again to apply it. Empty when the limit is not
given in Gi, Mi or bytes.
*/}}
{{- define "portcullis.oldSpaceMiB" -}}
{{- $m := toString (default "" ((.Values.resources).limits).memory) -}}
{{- $mib := 0 -}}
{{- if regexMatch "^[0-9]+Gi$" $m -}}
{{- $mib = mul (trimSuffix "Gi" $m | int64) 1024 -}}
{{- else if regexMatch "^[0-9]+Mi$" $m -}}
{{- $mib = trimSuffix "Mi" $m | int64 -}}
{{- else if regexMatch "^[0-9]+$" $m -}}
{{- $mib = div ($m | int64) 1048576 -}}
{{- end -}}
{{- if gt (int64 $mib) 0 -}}
{{- max 64 (div (mul $mib 60) 100) -}}
{{- end -}}
{{- end -}}
