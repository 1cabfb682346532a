#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-aad \
  --aad-admin-group-object-ids $AKS_ADMIN_GROUP_ID \
  --enable-azure-rbac \
  --generate-ssh-keys

# Break-glass access for the on-call team.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --enable-local-accounts
