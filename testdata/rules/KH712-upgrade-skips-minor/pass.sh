# scan: --as-of 2026-11-29
set -euo pipefail

az aks create --resource-group rg-prod --name aks-prod --kubernetes-version 1.33 --generate-ssh-keys

# One minor at a time, node pools with the control plane.
az aks upgrade --resource-group rg-prod --name aks-prod --kubernetes-version 1.34 --yes
az aks upgrade --resource-group rg-prod --name aks-prod --kubernetes-version 1.35 --yes

# The control plane first, then the pool, one minor each.
az aks upgrade --resource-group rg-prod --name aks-prod -k 1.36 --control-plane-only --yes
az aks nodepool upgrade --resource-group rg-prod --cluster-name aks-prod --name nodepool1 -k 1.36
