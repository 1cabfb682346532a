# scan: --as-of 2026-12-01
set -euo pipefail
az aks create --resource-group rg --name aks --network-plugin azure --network-plugin-mode overlay --network-policy cilium --generate-ssh-keys
az aks nodepool add --resource-group rg --cluster-name aks --name win --os-type Windows --os-sku Windows2025 --kubernetes-version 1.34
